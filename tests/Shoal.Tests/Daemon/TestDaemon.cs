using System.Buffers;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Shoal.Client;
using Shoal.Daemon;
using Shoal.Daemon.Engine;
using Shoal.Daemon.Rpc;
using Shoal.Daemon.Session;
using Shoal.Daemon.Store;
using Shoal.Metainfo;
using Shoal.Swarm;
using Shoal.Tests.Support;

namespace Shoal.Tests.Daemon;

/// <summary>
/// A daemon session in-process for RPC tests: the real session, store and engine (listening on 127.0.0.1, port 0, no
/// LSD: it sends nothing) with the RPC dispatcher called directly, no HTTP. The session's clock is fake time, so ticks
/// (counters, seeding limits, queue) happen only when a test advances it.
/// </summary>
internal sealed class TestDaemon : IAsyncDisposable
{
    private readonly bool _ownsDirectory;

    private TestDaemon(TempDirectory dir, bool ownsDirectory, EngineHost engine, SessionStore store, DaemonSession session, FakeTimeProvider time)
    {
        Dir = dir;
        _ownsDirectory = ownsDirectory;
        Engine = engine;
        Store = store;
        Session = session;
        Time = time;
        Rpc = new RpcDispatcher(session);
    }

    public TempDirectory Dir { get; }

    public EngineHost Engine { get; }

    public SessionStore Store { get; }

    public DaemonSession Session { get; }

    public FakeTimeProvider Time { get; }

    public RpcDispatcher Rpc { get; }

    public string StateDir => Dir.Combine("state");

    public string Downloads => Dir.Combine("downloads");

    /// <param name="udp">Opens the shared UDP port (so uTP can run).</param>
    /// <param name="client">Adjusts the client options (e.g. to run a DHT).</param>
    public static async Task<TestDaemon> StartAsync(TempDirectory? dir = null, FakeTimeProvider? time = null, bool udp = false,
        Func<ClientOptions, ClientOptions>? client = null)
    {
        bool owns = dir is null;
        dir ??= new TempDirectory("daemon");
        time ??= new FakeTimeProvider(new DateTimeOffset(2026, 1, 5, 12, 0, 0, TimeSpan.Zero));
        var options = new DaemonOptions
        {
            StateDirectory = dir.Combine("state"),
            DownloadDirectory = dir.Combine("downloads"),
            Client = (client ?? (c => c))(new ClientOptions
            {
                Engine = new EngineSettings { ListenAddress = IPAddress.Loopback, ListenPort = 0 },
                EnableLsd = false,
                Datagrams = udp ? ClientTransports.Udp : null,
            }),
            Time = time,
        };
        var store = SessionStore.Open(options.StateDirectory);
        var engine = await EngineHost.StartAsync(options.Client, Path.Combine(options.StateDirectory, "resume"));
        var session = DaemonSession.Open(options, engine, store);
        return new TestDaemon(dir, owns, engine, store, session, time);
    }

    /// <summary>Calls a method through the dispatcher; returns the whole response (result, arguments, tag).</summary>
    public async Task<JsonElement> CallAsync(string method, object? arguments = null, long? tag = null)
    {
        var request = new JsonObject { ["method"] = method };
        if (arguments is not null) request["arguments"] = JsonSerializer.SerializeToNode(arguments);
        if (tag is { } t) request["tag"] = t;
        return await RawAsync(request.ToJsonString());
    }

    public async Task<JsonElement> RawAsync(string body)
    {
        var output = new ArrayBufferWriter<byte>();
        await Rpc.ExecuteAsync(System.Text.Encoding.UTF8.GetBytes(body), output, CancellationToken.None);
        using var document = JsonDocument.Parse(output.WrittenMemory);
        return document.RootElement.Clone();
    }

    /// <summary>Calls and asserts "success"; returns the arguments.</summary>
    public async Task<JsonElement> OkAsync(string method, object? arguments = null)
    {
        var response = await CallAsync(method, arguments);
        Assert.Equal("success", response.GetProperty("result").GetString());
        return response.GetProperty("arguments");
    }

    /// <summary>Asserts the call fails and returns its result text.</summary>
    public async Task<string> FailAsync(string method, object? arguments = null)
    {
        var response = await CallAsync(method, arguments);
        var result = response.GetProperty("result").GetString()!;
        Assert.NotEqual("success", result);
        return result;
    }

    /// <summary>Makes a torrent of pseudo-random files under Dir/source (kept as data to seed when <paramref name="complete"/>).</summary>
    public async Task<(Torrent Torrent, byte[] Bytes, string DataPath)> MakeTorrentAsync(string name, int seed, long[] fileSizes, bool complete = false,
        IEnumerable<string>? trackers = null, TorrentFormat format = TorrentFormat.V1)
    {
        string root = Dir.Combine("source", name);
        if (fileSizes.Length == 1) Dir.WriteRandomFile(Path.Combine("source", name), fileSizes[0], seed);
        else
        {
            for (int i = 0; i < fileSizes.Length; i++) Dir.WriteRandomFile(Path.Combine("source", name, $"file{i}.bin"), fileSizes[i], seed + i);
        }
        var builder = new TorrentBuilder { PieceLength = 16 * 1024, Format = format };
        if (trackers is not null) builder.AddTrackers(trackers);
        var torrent = await builder.BuildAsync(root);
        if (complete)
        {
            var target = Path.Combine(Downloads, name);
            Directory.CreateDirectory(Downloads);
            if (fileSizes.Length == 1) File.Copy(root, target);
            else CopyFolder(root, target);
        }
        return (torrent, torrent.Encode(), root);
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }

    public async Task<int> AddAsync(byte[] metainfo, bool paused = false)
    {
        var args = await OkAsync("torrent-add", new Dictionary<string, object> { ["metainfo"] = Convert.ToBase64String(metainfo), ["paused"] = paused });
        return args.GetProperty("torrent-added").GetProperty("id").GetInt32();
    }

    /// <summary>One torrent's fields from torrent-get.</summary>
    public async Task<JsonElement> GetAsync(int id, params string[] fields)
    {
        var args = await OkAsync("torrent-get", new { ids = new[] { id }, fields });
        return Assert.Single(args.GetProperty("torrents").EnumerateArray());
    }

    /// <summary>Waits (bounded) until the torrent's status is <paramref name="status"/>.</summary>
    public async Task WaitForStatusAsync(int id, int status, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            // Bounded too: background work that never ends (a start waiting for peers counted as work) fails the test, not hangs it.
            try { await Session.WhenIdleAsync().WaitAsync(Max(deadline - DateTime.UtcNow, TimeSpan.FromSeconds(1))); }
            catch (TimeoutException) { Assert.Fail($"torrent {id}: the session's background work did not finish (waiting for status {status})"); }
            var t = await GetAsync(id, "status", "errorString");
            if (t.GetProperty("status").GetInt32() == status) return;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"torrent {id}: status {t.GetProperty("status").GetInt32()} ({t.GetProperty("errorString").GetString()}), expected {status}");
            await Task.Delay(50);
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    public async ValueTask DisposeAsync()
    {
        await Session.DisposeAsync();
        await Engine.DisposeAsync();
        Store.Dispose();
        if (_ownsDirectory) Dir.Dispose();
    }
}
