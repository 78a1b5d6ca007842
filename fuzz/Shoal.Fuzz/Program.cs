using SharpFuzz;
using Shoal.Fuzz;

// Usage:
//   Shoal.Fuzz TARGET              under afl-fuzz: the SharpFuzz fork server (outside afl-fuzz: runs stdin once)
//   Shoal.Fuzz TARGET FILE...      replay: runs each file, prints its outcome; exit 1 if any broke the contract
//   Shoal.Fuzz --list              the target names
// Instrumented code may run before afl-fuzz's map is attached (target constructors) or without afl-fuzz at all (replay).
CoverageMap.EnsureAllocated();
if (args.Length == 0 || args[0] is "--list" or "-l" or "--help" or "-h")
{
    foreach (var t in FuzzTargets.All) Console.WriteLine($"{t.Name,-16} {t.Description}");
    return args.Length == 0 ? 2 : 0;
}

var target = FuzzTargets.Find(args[0]);
if (target is null)
{
    Console.Error.WriteLine($"unknown target '{args[0]}'; targets: {string.Join(", ", FuzzTargets.All.Select(t => t.Name))}");
    return 2;
}

if (args.Length > 1) return Replay.Run(target, args[1..]);

var watchdog = new Watchdog(target.Name);
Fuzzer.Run(stream =>
{
    using var memory = new MemoryStream();
    stream.CopyTo(memory);
    var input = memory.ToArray();
    watchdog.Begin(input);
    try
    {
        Guard.Run(target, input);
    }
    finally
    {
        watchdog.End();
    }
});
return 0;
