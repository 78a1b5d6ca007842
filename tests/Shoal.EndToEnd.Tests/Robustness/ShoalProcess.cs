using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Shoal.Tests.Support;
using Shoal.Tests.Support.Reference;

namespace Shoal.EndToEnd.Tests.Robustness;

/// <summary>
/// One `shoal` command running as a real process (optionally inside a network namespace), with its `--json`
/// progress lines parsed, bounded waits, kill -9, and the whole process killed on dispose.
/// </summary>
internal sealed partial class ShoalProcess : IAsyncDisposable
{
    private readonly RunningProgram _program;

    private ShoalProcess(RunningProgram program) => _program = program;

    public static string CliPath => ShoalPeer.CliPath;

    public int Id => _program.Id;

    public bool HasExited => _program.HasExited;

    /// <summary>
    /// Starts `dotnet Shoal.Cli.dll ARGS`, inside network namespace <paramref name="netns"/> when given, with extra
    /// environment variables (NAME=VALUE) when given.
    /// </summary>
    public static ShoalProcess Start(string name, IEnumerable<string> arguments, string? netns = null, IEnumerable<string>? environment = null)
    {
        string[] command = [Dotnet, CliPath, .. arguments];
        if (environment is not null) command = ["env", .. environment, .. command];
        if (netns is not null) command = ["ip", "netns", "exec", netns, .. command];
        return new(RunningProgram.Start(name, command[0], command[1..]));
    }

    private static string Dotnet =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? ReferencePrograms.Find("dotnet") ?? "dotnet";

    /// <summary>Runs a short command to its end (bounded) and returns its exit code and output.</summary>
    public static ProcessRunner.Result Run(params string[] arguments) =>
        ProcessRunner.Run("dotnet", [CliPath, .. arguments], TimeSpan.FromSeconds(60));

    /// <summary>Starts `shoal tracker` and returns it with its HTTP announce URL (from its listening line).</summary>
    public static async Task<(ShoalProcess Tracker, string AnnounceUrl)> StartTrackerAsync(string host, int port, string? netns = null,
        params string[] extra)
    {
        var tracker = Start("tracker", ["tracker", "--host", host, "--port", Invariant(port), .. extra], netns);
        try
        {
            var line = await tracker._program.WaitForLineAsync(l => ListeningLine().IsMatch(l), TimeSpan.FromSeconds(30), "the listening line");
            return (tracker, ListeningLine().Match(line).Groups[1].Value);
        }
        catch
        {
            await tracker.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Starts `shoal seed DATA` on <paramref name="port"/> (bound to <paramref name="host"/>) with --json, making the
    /// .torrent at <paramref name="torrentPath"/> (or seeding with it when it exists), and waits until it seeds.
    /// </summary>
    public static async Task<ShoalProcess> StartSeederAsync(string data, string torrentPath, int port, string host = "127.0.0.1",
        string? netns = null, params string[] extra)
    {
        string[] torrent = File.Exists(torrentPath) ? ["--torrent", torrentPath] : ["-o", torrentPath, "--piece-size", "64K"];
        var seeder = Start("seeder", ["seed", data, .. torrent, "--port", Invariant(port), "--bind", host, "--json", .. extra], netns);
        try
        {
            await seeder.WaitForJsonAsync(j => j.GetProperty("state").GetString() == "seeding", TimeSpan.FromSeconds(60), "seeding");
            return seeder;
        }
        catch
        {
            await seeder.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts `shoal get TORRENT -o DIR` with --json, listening on 127.0.0.1 on a port the system picks.</summary>
    public static ShoalProcess StartLeecher(string name, string torrentPath, string directory, params string[] extra) =>
        Start(name, ["get", torrentPath, "-o", directory, "--port", "0", "--bind", "127.0.0.1", "--json", .. extra]);

    [GeneratedRegex(@"^tracker: listening on (http://\S+/announce) and udp://")]
    private static partial Regex ListeningLine();

    public IReadOnlyList<string> StdOut => _program.Lines.Where(l => !l.StartsWith("[err] ", StringComparison.Ordinal)).ToList();

    public IReadOnlyList<string> StdErr => _program.Lines.Where(l => l.StartsWith("[err] ", StringComparison.Ordinal)).Select(l => l[6..]).ToList();

    /// <summary>The `--json` lines printed so far.</summary>
    public IReadOnlyList<JsonElement> JsonLines => StdOut.Where(l => l.StartsWith('{')).Select(Parse).ToList();

    /// <summary>Waits for a `--json` line matching <paramref name="match"/>.</summary>
    public async Task<JsonElement> WaitForJsonAsync(Func<JsonElement, bool> match, TimeSpan timeout, string what)
    {
        var line = await _program.WaitForLineAsync(l => l.StartsWith('{') && match(Parse(l)), timeout, what);
        return Parse(line);
    }

    /// <summary>Waits until the download verified at least <paramref name="fraction"/> of the torrent.</summary>
    public Task<JsonElement> WaitForProgressAsync(double fraction, TimeSpan timeout) =>
        WaitForJsonAsync(j => j.GetProperty("progress").GetDouble() >= fraction, timeout, $"{fraction:P0} verified");

    /// <summary>Waits for the `complete` event (every piece verified) and returns its line.</summary>
    public Task<JsonElement> WaitForCompleteAsync(TimeSpan timeout) =>
        WaitForJsonAsync(j => j.GetProperty("event").GetString() == "complete", timeout, "the complete event");

    public Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout, string what) => _program.WaitForLineAsync(match, timeout, what);

    public Task<int> WaitForExitAsync(TimeSpan timeout) => _program.WaitForExitAsync(timeout);

    /// <summary>Sends a signal (15 = SIGTERM, what Ctrl+C and service managers do to stop a program).</summary>
    public void Signal(int signal) => _program.Signal(signal);

    /// <summary>kill -9: no chance to save, announce or clean up (a crash or a power cut).</summary>
    public async Task KillHardAsync()
    {
        _program.Signal(9);
        await _program.WaitForExitAsync(TimeSpan.FromSeconds(10));
    }

    public string Describe() => _program.Describe();

    public ValueTask DisposeAsync() => _program.DisposeAsync();

    private static JsonElement Parse(string line)
    {
        using var document = JsonDocument.Parse(line);
        return document.RootElement.Clone();
    }

    public static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
