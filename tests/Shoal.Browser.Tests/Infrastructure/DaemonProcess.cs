using System.Text.RegularExpressions;
using Shoal.Tests.Support;
using Shoal.Tests.Support.Reference;

namespace Shoal.Browser.Tests.Infrastructure;

/// <summary>
/// A real `shoal daemon` process on 127.0.0.1 (RPC and peer ports chosen by the system), with its own state and download
/// folders; stopped with SIGTERM (then killed) on dispose.
/// </summary>
public sealed partial class DaemonProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly ReferenceProcess _process;

    private DaemonProcess(ReferenceProcess process, Uri rpcUrl, int peerPort, string downloads, string state, RpcClient rpc)
    {
        _process = process;
        RpcUrl = rpcUrl;
        PeerPort = peerPort;
        DownloadDirectory = downloads;
        StateDirectory = state;
        Rpc = rpc;
    }

    public Uri RpcUrl { get; }

    /// <summary>Where the web interface is: the RPC port's root.</summary>
    public Uri PageUrl => new(RpcUrl, "/");

    public int PeerPort { get; }

    public int ProcessId => _process.Id;

    public string DownloadDirectory { get; }

    public string StateDirectory { get; }

    /// <summary>A Transmission RPC client for setting up and checking what the page did.</summary>
    public RpcClient Rpc { get; }

    [GeneratedRegex(@"^daemon: rpc on (http://\S+/transmission/rpc), peer port (\d+)")]
    private static partial Regex ListeningLine();

    /// <summary>Starts `shoal daemon` in <paramref name="root"/> (state/ and downloads/ inside it).</summary>
    public static async Task<DaemonProcess> StartAsync(string root, params string[] extra)
    {
        string downloads = Directory.CreateDirectory(Path.Combine(root, "downloads")).FullName;
        string state = Directory.CreateDirectory(Path.Combine(root, "state")).FullName;
        var listening = new TaskCompletionSource<Match>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = ReferenceProcess.Start("shoal daemon", "dotnet",
            [ShoalPeer.CliPath, "daemon", "--rpc-port", "0", "--rpc-bind", "127.0.0.1", "--port", "0", "--bind", "127.0.0.1", "--no-lsd",
                "--download-dir", downloads, "--state-dir", state, .. extra],
            line =>
            {
                var match = ListeningLine().Match(line);
                if (match.Success) listening.TrySetResult(match);
            });
        process.GracefulStopTimeout = TimeSpan.FromSeconds(15);
        try
        {
            var first = await Task.WhenAny(listening.Task, process.Exited).WaitAsync(StartTimeout);
            if (first != listening.Task) throw new InvalidOperationException($"the daemon exited before listening\n{process.Describe()}");
            var match = await listening.Task;
            var url = new Uri(match.Groups[1].Value);
            return new DaemonProcess(process, url, int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture),
                downloads, state, new RpcClient(url));
        }
        catch (TimeoutException)
        {
            await process.DisposeAsync();
            throw new TimeoutException($"the daemon printed no listening line within {StartTimeout}\n{process.Describe()}");
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    public string Describe() => _process.Describe();

    public async ValueTask DisposeAsync()
    {
        Rpc.Dispose();
        await _process.DisposeAsync();
    }
}
