using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Shoal.Daemon.Remote;
using Shoal.EndToEnd.Tests.Robustness;
using Shoal.Tests.Support;

namespace Shoal.EndToEnd.Tests.Daemon;

/// <summary>
/// `shoal daemon` as a real process on 127.0.0.1 (RPC and peer port), with its state and downloads in a folder the test
/// owns, an RPC client to it, and bounded waits on torrent fields.
/// </summary>
internal sealed partial class DaemonProcess : IAsyncDisposable
{
    private DaemonProcess(ShoalProcess process, Uri rpcUrl, int peerPort)
    {
        Process = process;
        RpcUrl = rpcUrl;
        PeerPort = peerPort;
        Rpc = new TransmissionRpcClient(rpcUrl);
    }

    public ShoalProcess Process { get; }

    public Uri RpcUrl { get; }

    public int PeerPort { get; }

    public TransmissionRpcClient Rpc { get; }

    /// <summary>HOST:PORT as transmission-remote takes it.</summary>
    public string Address => $"{RpcUrl.Host}:{RpcUrl.Port}";

    public static async Task<DaemonProcess> StartAsync(string stateDir, string downloadDir, int rpcPort = 0, int peerPort = 0, params string[] extra)
    {
        var process = ShoalProcess.Start("daemon", ["daemon", "--rpc-port", ShoalProcess.Invariant(rpcPort), "--port", ShoalProcess.Invariant(peerPort), "--bind", "127.0.0.1",
            "--state-dir", stateDir, "--download-dir", downloadDir, "--no-lsd", .. extra]);
        try
        {
            var line = await process.WaitForLineAsync(l => ReadyLine().IsMatch(l), TimeSpan.FromSeconds(30), "the daemon's ready line");
            var match = ReadyLine().Match(line);
            return new DaemonProcess(process, new Uri(match.Groups[1].Value), int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    [GeneratedRegex(@"^daemon: rpc on (\S+), peer port (\d+)")]
    private static partial Regex ReadyLine();

    /// <summary>torrent-get of some fields of every torrent.</summary>
    public async Task<IReadOnlyList<JsonElement>> TorrentsAsync(params string[] fields)
    {
        var args = await Rpc.CallAsync("torrent-get", new JsonObject { ["fields"] = new JsonArray([.. fields.Select(f => (JsonNode)f)]) });
        return [.. args.GetProperty("torrents").EnumerateArray()];
    }

    public async Task<JsonElement> TorrentAsync(int id, params string[] fields)
    {
        var args = await Rpc.CallAsync("torrent-get", new JsonObject { ["ids"] = id, ["fields"] = new JsonArray([.. fields.Select(f => (JsonNode)f)]) });
        return Assert.Single(args.GetProperty("torrents").EnumerateArray());
    }

    /// <summary>Waits until torrent <paramref name="id"/> satisfies <paramref name="condition"/>; fails with its state and the daemon's output.</summary>
    public async Task<JsonElement> WaitForAsync(int id, Func<JsonElement, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        string[] fields = ["id", "status", "percentDone", "errorString", "peersConnected", "metadataPercentComplete", "name"];
        while (true)
        {
            var t = await TorrentAsync(id, fields);
            if (condition(t)) return t;
            if (DateTime.UtcNow > deadline) Assert.Fail($"torrent {id} never {what}: {t}\n{Process.Describe()}");
            await Task.Delay(200);
        }
    }

    public Task<JsonElement> WaitForStatusAsync(int id, int status, TimeSpan? timeout = null) =>
        WaitForAsync(id, t => t.GetProperty("status").GetInt32() == status, timeout ?? TimeSpan.FromSeconds(60), $"reached status {status}");

    public async ValueTask DisposeAsync()
    {
        Rpc.Dispose();
        await Process.DisposeAsync();
    }
}
