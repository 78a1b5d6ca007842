using System.Diagnostics;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Shoal.Daemon.Remote;
using Shoal.Tests.Support;

namespace Shoal.Harness;

/// <summary>A torrent daemon under benchmark: started, fed torrents through its API, counted, stopped with SIGTERM.</summary>
internal abstract partial class BenchDaemon : IAsyncDisposable
{
    private Process? _process;

    protected BenchDaemon(string name, string workDirectory, string downloadDirectory)
    {
        Name = name;
        WorkDirectory = workDirectory;
        DownloadDirectory = downloadDirectory;
        Directory.CreateDirectory(workDirectory);
    }

    public string Name { get; }

    protected string WorkDirectory { get; }

    protected string DownloadDirectory { get; }

    protected int ApiPort { get; } = FreePort.Next();

    protected int PeerPort { get; } = FreePort.Next();

    public int ProcessId => _process?.Id ?? throw new InvalidOperationException($"{Name} is not running");

    /// <summary>Starts the program and returns once its API answers.</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        var (file, args) = Command();
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) psi.ArgumentList.Add(arg);
        _process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        var log = new StreamWriter(Path.Combine(WorkDirectory, $"{Name}.log"), append: true) { AutoFlush = true };
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"{Name} exited ({_process.ExitCode}) at start; see {WorkDirectory}/{Name}.log");
            try
            {
                await ReadyAsync(ct);
                return;
            }
            catch (Exception e) when (e is HttpRequestException or RpcUnreachableException or TaskCanceledException && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, ct);
            }
        }
    }

    /// <summary>SIGTERM, then waits (bounded) for the program to save its state and exit.</summary>
    public async Task StopAsync()
    {
        if (_process is not { HasExited: false } process) return;
        _ = Kill(process.Id, 15);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException) { process.Kill(entireProcessTree: true); }
    }

    public abstract Task AddAsync(byte[] torrent, CancellationToken ct);

    public abstract Task<int> SeedingCountAsync(CancellationToken ct);

    protected abstract (string File, IEnumerable<string> Arguments) Command();

    protected abstract Task ReadyAsync(CancellationToken ct);

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process?.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}

/// <summary>Shoal's daemon or transmission-daemon: both speak the Transmission RPC.</summary>
internal abstract class TransmissionRpcDaemon(string name, string work, string downloads) : BenchDaemon(name, work, downloads)
{
    private TransmissionRpcClient? _rpc;

    public Uri RpcUrl => new($"http://127.0.0.1:{ApiPort}/transmission/rpc");

    protected TransmissionRpcClient Rpc => _rpc ??= new TransmissionRpcClient(RpcUrl, timeout: TimeSpan.FromSeconds(120));

    protected override Task ReadyAsync(CancellationToken ct) => Rpc.CallAsync("session-get", new JsonObject { ["fields"] = new JsonArray("version") }, ct);

    public override Task AddAsync(byte[] torrent, CancellationToken ct) =>
        Rpc.CallAsync("torrent-add", new JsonObject { ["metainfo"] = Convert.ToBase64String(torrent), ["download-dir"] = DownloadDirectory }, ct);

    public override async Task<int> SeedingCountAsync(CancellationToken ct)
    {
        var args = await Rpc.CallAsync("torrent-get", new JsonObject { ["fields"] = new JsonArray("status"), ["format"] = "table" }, ct);
        return args.GetProperty("torrents").EnumerateArray().Skip(1).Count(row => row[0].GetInt32() == 6);
    }
}

internal sealed class ShoalBenchDaemon(string work, string downloads, string cli) : TransmissionRpcDaemon("shoal", work, downloads)
{
    protected override (string, IEnumerable<string>) Command() => ("dotnet",
    [
        cli, "daemon", "--rpc-port", $"{ApiPort}", "--port", $"{PeerPort}", "--bind", "127.0.0.1", "--state-dir", Path.Combine(WorkDirectory, "state"),
        "--download-dir", DownloadDirectory, "--no-lsd", "--no-dht", // as the other daemons are configured: nothing beyond loopback to find
    ]);
}

/// <summary>Debian's transmission-daemon 3.00, configured like the tests' Transmission (INTEROP.md): nothing beyond loopback.</summary>
internal sealed class TransmissionBenchDaemon : TransmissionRpcDaemon
{
    public TransmissionBenchDaemon(string work, string downloads) : base("transmission", work, downloads)
    {
        var settings = new JsonObject
        {
            ["rpc-enabled"] = true, ["rpc-port"] = ApiPort, ["rpc-bind-address"] = "127.0.0.1", ["rpc-authentication-required"] = false,
            ["rpc-whitelist-enabled"] = false, ["rpc-host-whitelist-enabled"] = false, ["peer-port"] = PeerPort, ["bind-address-ipv4"] = "127.0.0.1",
            ["bind-address-ipv6"] = "::1", ["dht-enabled"] = false, ["lpd-enabled"] = false, ["pex-enabled"] = false, ["utp-enabled"] = false,
            ["port-forwarding-enabled"] = false, ["download-dir"] = downloads, ["download-queue-enabled"] = false, ["seed-queue-enabled"] = false,
            ["queue-stalled-enabled"] = false, ["message-level"] = 1,
        };
        File.WriteAllText(Path.Combine(WorkDirectory, "settings.json"), settings.ToJsonString());
    }

    protected override (string, IEnumerable<string>) Command() => ("transmission-daemon", ["-f", "-g", WorkDirectory]);
}

/// <summary>Debian's qbittorrent-nox, driven through its Web API (no authentication from localhost), nothing beyond loopback.</summary>
internal sealed class QbittorrentBenchDaemon : BenchDaemon
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(120) };

    public QbittorrentBenchDaemon(string work, string downloads) : base("qbittorrent", work, downloads)
    {
        string config = Path.Combine(WorkDirectory, "qBittorrent", "config");
        Directory.CreateDirectory(config);
        File.WriteAllText(Path.Combine(config, "qBittorrent.conf"), $"""
            [LegalNotice]
            Accepted=true

            [BitTorrent]
            Session\DHTEnabled=false
            Session\LSDEnabled=false
            Session\PeXEnabled=false
            Session\Port={PeerPort}
            Session\Interface=lo
            Session\InterfaceName=lo
            Session\InterfaceAddress=127.0.0.1
            Session\QueueingSystemEnabled=false
            Session\MaxActiveCheckingTorrents=16
            Session\DefaultSavePath={downloads}
            Session\AnonymousModeEnabled=true

            [Network]
            PortForwardingEnabled=false

            [Preferences]
            Connection\UPnP=false
            General\Locale=en
            WebUI\Address=127.0.0.1
            WebUI\Port={ApiPort}
            WebUI\LocalHostAuth=false
            WebUI\CSRFProtection=false
            WebUI\HostHeaderValidation=false
            """);
    }

    private string Api(string path) => $"http://127.0.0.1:{ApiPort}/api/v2/{path}";

    protected override (string, IEnumerable<string>) Command() => ("qbittorrent-nox", [$"--profile={WorkDirectory}", $"--webui-port={ApiPort}"]);

    protected override async Task ReadyAsync(CancellationToken ct) => (await _http.GetAsync(Api("app/version"), ct)).EnsureSuccessStatusCode();

    public override async Task AddAsync(byte[] torrent, CancellationToken ct)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(torrent);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/x-bittorrent");
        form.Add(file, "torrents", "t.torrent");
        form.Add(new StringContent(DownloadDirectory), "savepath");
        using var response = await _http.PostAsync(Api("torrents/add"), form, ct);
        response.EnsureSuccessStatusCode();
    }

    public override async Task<int> SeedingCountAsync(CancellationToken ct)
    {
        await using var stream = await _http.GetStreamAsync(Api("torrents/info"), ct);
        using var document = await JsonDocument.ParseAsync(stream, cancellationToken: ct);
        return document.RootElement.EnumerateArray().Count(t => t.GetProperty("state").GetString() is "uploading" or "stalledUP" or "queuedUP" or "forcedUP");
    }
}
