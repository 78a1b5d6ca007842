using System.Net;
using Microsoft.Extensions.Time.Testing;
using Shoal.Metainfo;
using Shoal.Storage;
using Shoal.Swarm;
using Shoal.Wire;

namespace Shoal.Tests.Swarm;

/// <summary>
/// One engine with one torrent on an <see cref="InMemoryNetwork"/> and fake time, plus helpers to put scripted peers in
/// front of it: dialling it (incoming) or dialled by it (outgoing), from addresses the test chooses.
/// </summary>
internal sealed class SwarmRig : IAsyncDisposable
{
    public SwarmRig(EngineSettings settings, TorrentInfo info, byte[] content, bool seed, InMemoryNetwork? network = null, FakeTimeProvider? time = null)
    {
        Info = info;
        Network = network ?? new InMemoryNetwork();
        Time = time ?? new FakeTimeProvider();
        Engine = ClientEngine.Start(settings, Network.NewHost(), Time, Logs);
        Storage = seed ? MemoryStorage.CreateSeeded(info, content) : new MemoryStorage(info);
        Session = Engine.AddTorrent(info, Storage);
    }

    public TorrentInfo Info { get; }
    public InMemoryNetwork Network { get; }
    public FakeTimeProvider Time { get; }
    public TestLoggers Logs { get; } = new();
    public ClientEngine Engine { get; }
    public MemoryStorage Storage { get; }
    public TorrentSession Session { get; }

    /// <summary>A scripted peer that dialled the engine (from <paramref name="from"/> if given) and completed the handshake.</summary>
    public async Task<ScriptedPeer> IncomingAsync(ReservedBits reserved, CancellationToken ct, IPAddress? from = null)
    {
        var peer = new ScriptedPeer(Network.Connect(Engine.ListenEndPoint, from));
        await peer.SendHandshakeAsync(Info.InfoHash, reserved);
        await peer.ReceiveHandshakeAsync(ct);
        return peer;
    }

    /// <summary>A scripted peer the engine dialled (it is given the address), after both handshakes.</summary>
    public async Task<ScriptedPeer> OutgoingAsync(ReservedBits reserved, CancellationToken ct, IPAddress? at = null)
    {
        var accepted = new TaskCompletionSource<ScriptedPeer>(TaskCreationOptions.RunContinuationsAsynchronously);
        var address = Network.Listen(stream =>
        {
            accepted.TrySetResult(new ScriptedPeer(stream));
            return Task.CompletedTask;
        }, at);
        Session.AddPeers([address], PeerSource.Manual);
        var peer = await accepted.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);
        await peer.ReceiveHandshakeAsync(ct);
        await peer.SendHandshakeAsync(Info.InfoHash, reserved);
        return peer;
    }

    /// <summary>Advances fake time one second at a time (each second runs the engine's tick).</summary>
    public void Advance(int seconds)
    {
        for (int i = 0; i < seconds; i++) Time.Advance(TimeSpan.FromSeconds(1));
    }

    public async Task WaitUntilAsync(Func<bool> condition, CancellationToken ct, Func<string>? describe = null, double seconds = 15)
    {
        try { await MetadataExchangeTests.WaitUntilAsync(condition, ct, seconds); }
        catch (TimeoutException) { throw new TimeoutException($"condition not met in time: {describe?.Invoke() ?? Session.GetStatus().ToString()}\n{Logs}"); }
    }

    public ValueTask DisposeAsync() => Engine.DisposeAsync();
}
