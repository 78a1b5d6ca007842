using BenchmarkDotNet.Running;

// Micro-benchmarks: `dotnet run -c Release --project bench/Shoal.Benchmarks -- --filter '*'`
// (pass --filter with a class name to run one). Whole-program comparisons live in bench/*.sh and bench/Shoal.Harness.
// `upload-verify-cost [SIZE_MiB] [RUNS]`: CPU of hashing each resumed piece before its first upload (see UploadVerifyCost.cs).
// `rc4-instructions [MiB]`: RC4 over MiB megabytes, for instruction counts under valgrind (see bench/rc4-instructions.sh).
if (args.Length > 0 && args[0] == "rc4-instructions") return Shoal.Benchmarks.Rc4InstructionCount.Run(args[1..]);
if (args.Length > 0 && args[0] == "upload-verify-cost") return await Shoal.Benchmarks.UploadVerifyCost.RunAsync(args[1..]);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
