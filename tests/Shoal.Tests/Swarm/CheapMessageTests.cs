using Shoal.Swarm;
using Shoal.Wire;

namespace Shoal.Tests.Swarm;

/// <summary>
/// Issue 10, item 5: a cheap message must not buy expensive work. What a peer has is said once, first (BEP 6), so a
/// whole-torrent recount happens once per connection; choke/unchoke flapping costs O(1) and bounded request churn.
/// </summary>
[Trait("Category", "Hostile")]
public sealed class CheapMessageTests
{
    private static readonly byte[] Content = SwarmTestData.RandomBytes(64 * 16 * 1024, seed: 81);
    private static readonly Shoal.Metainfo.TorrentInfo Info = SwarmTestData.SingleFile(Content, pieceLength: 16 * 1024);
    private static readonly ReservedBits Plain = new(ReservedBits.Shoal.Value & ~0x04UL);

    private static byte[] Message(Func<byte[], int> write)
    {
        var buffer = new byte[1024];
        return buffer[..write(buffer)];
    }

    private static readonly byte[] FullBitfield = Message(b => MessageWriter.WriteBitfield(b, Full()));
    private static readonly byte[] HaveAll = Message(b => MessageWriter.WriteSimple(b, MessageId.HaveAll));
    private static readonly byte[] HaveNone = Message(b => MessageWriter.WriteSimple(b, MessageId.HaveNone));
    private static readonly byte[] Have3 = Message(b => MessageWriter.WriteIndexMessage(b, MessageId.Have, 3));
    private static readonly byte[] Choke = Message(b => MessageWriter.WriteSimple(b, MessageId.Choke));
    private static readonly byte[] Unchoke = Message(b => MessageWriter.WriteSimple(b, MessageId.Unchoke));
    private static readonly byte[] ExtensionHandshake = Message(b => MessageWriter.WriteExtended(b, 0, new Shoal.Wire.ExtensionHandshake { ClientName = "t" }.Encode()));

    private static byte[] Full()
    {
        var bits = new Shoal.Storage.Bitfield(Info.PieceCount);
        bits.SetAll();
        return bits.ToWire();
    }

    public static TheoryData<string, bool> Sequences => new()
    {
        { "bitfield bitfield", false },
        { "have-all have-all", false },
        { "have-all have-none", false },
        { "have have-all", false },
        { "have bitfield", false },
        { "bitfield have-none", false },
        { "have-none bitfield", true },          // aria2: have-none first, its bitfield once it has checked its files
        { "have-none have bitfield bitfield", true }, // aria2 1.36 as a leecher: bitfields instead of haves as it downloads
        { "have-none bitfield have-all", false },
        { "have-none bitfield have-none", false },
        { "extended bitfield", true },           // Transmission: the extension handshake first, then the bitfield
        { "extended have-all", true },
        { "bitfield have", true },
    };

    [Theory]
    [MemberData(nameof(Sequences))]
    public async Task What_a_peer_has_is_said_once_and_first(string sequence, bool accepted)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var rig = new SwarmRig(new EngineSettings { RandomSeed = 1 }, Info, Content, seed: false);
        await using var peer = await rig.OutgoingAsync(ReservedBits.Shoal, ct);
        foreach (var word in sequence.Split(' '))
        {
            await peer.SendAsync(word switch
            {
                "bitfield" => FullBitfield,
                "have-all" => HaveAll,
                "have-none" => HaveNone,
                "have" => Have3,
                "extended" => ExtensionHandshake,
                _ => throw new ArgumentException(word),
            });
        }
        if (accepted)
        {
            // We are interested in what it said it has, and it stays connected.
            Assert.NotNull(await peer.ReceiveUntilAsync(MessageId.Interested, ct));
            await Task.Delay(200, ct);
            Assert.Single(rig.Session.GetStatus().Peers);
        }
        else
        {
            Assert.True(await peer.WaitClosedAsync(TimeSpan.FromSeconds(10)), $"'{sequence}' was accepted");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_peer_flapping_choke_and_unchoke_gets_bounded_request_churn(bool fast)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var rig = new SwarmRig(new EngineSettings { RandomSeed = 1 }, Info, Content, seed: false);
        await using var peer = await rig.OutgoingAsync(fast ? ReservedBits.Shoal : Plain, ct);
        int requests = 0;
        var counting = Task.Run(async () =>
        {
            while (await peer.ReceiveAsync(ct) is { } m)
                if (m.Id == MessageId.Request) Interlocked.Increment(ref requests);
        }, ct);
        await peer.SendAsync(FullBitfield);
        await peer.SendAsync(Unchoke);
        int depth = rig.Engine.Settings.MinRequestsPerPeer;
        await rig.WaitUntilAsync(() => Volatile.Read(ref requests) >= depth, ct);

        // Ten thousand choke/unchoke pairs, back to back, while no time passes.
        var flaps = new byte[10_000 * (Choke.Length + Unchoke.Length)];
        for (int i = 0; i < 10_000; i++)
        {
            Choke.CopyTo(flaps, i * (Choke.Length + Unchoke.Length));
            Unchoke.CopyTo(flaps, i * (Choke.Length + Unchoke.Length) + Choke.Length);
        }
        await peer.SendAsync(flaps);
        await Task.Delay(1000, ct);
        Assert.True(Volatile.Read(ref requests) <= 2 * depth, $"{requests} requests for {depth} wanted blocks");
        Assert.Single(rig.Session.GetStatus().Peers);

        // It is unchoking us in the end: within a second its pipeline is full again, and stays so.
        rig.Advance(1);
        await rig.WaitUntilAsync(() => rig.Session.GetStatus().Peers is [{ RequestsOut: > 0 }], ct);
        Assert.True(Volatile.Read(ref requests) <= 3 * depth, $"{requests} requests for {depth} wanted blocks");
    }
}
