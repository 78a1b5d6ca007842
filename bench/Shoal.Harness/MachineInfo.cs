using System.Runtime.InteropServices;
using Shoal.Tests.Support;
using Shoal.Tests.Support.Reference;

namespace Shoal.Harness;

/// <summary>Where the figures were measured: they only compare within one machine and one run.</summary>
/// <param name="LoadAverage">/proc/loadavg when the run ended: other work on the machine skews the figures.</param>
public sealed record MachineInfo(string Os, int Cores, string Cpu, DateTimeOffset When, string LoadAverage,
    IReadOnlyDictionary<string, string> Programs)
{
    public static MachineInfo Describe()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?"
            : "?";
        var programs = new Dictionary<string, string>();
        Version(programs, "libtorrent", ReferenceExecutables.DebianPython, "-c", "import libtorrent; print(libtorrent.__version__)");
        Version(programs, "aria2", "aria2c", "--version");
        Version(programs, "transmission", "transmission-cli", "--version");
        Version(programs, "opentracker", "dpkg-query", "-W", "-f=${Version}", "opentracker");
        var load = File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";
        return new MachineInfo(RuntimeInformation.OSDescription, Environment.ProcessorCount, cpu, DateTimeOffset.UtcNow, load, programs);
    }

    private static void Version(Dictionary<string, string> into, string name, string program, params string[] arguments)
    {
        if (ReferenceExecutables.Find(program) is not { } path) return;
        try
        {
            var result = ProcessRunner.Run(path, arguments, TimeSpan.FromSeconds(10));
            var text = (result.StdOut + result.StdErr).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (text.Length > 0) into[name] = text[0];
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
        {
            into[name] = "unknown";
        }
    }
}
