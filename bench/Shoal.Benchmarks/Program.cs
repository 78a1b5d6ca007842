using BenchmarkDotNet.Running;

// Micro-benchmarks: `dotnet run -c Release --project bench/Shoal.Benchmarks -- --filter '*'`
// (pass --filter with a class name to run one). Whole-program comparisons live in bench/*.sh and bench/Shoal.Harness.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
