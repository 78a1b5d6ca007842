using System.Net;
using Microsoft.Extensions.Time.Testing;
using Shoal.Storage;
using Shoal.Swarm;
using Shoal.Transport;
using Shoal.Wire;

namespace Shoal.Tests.Swarm;

/// <summary>BEP 11 flags both ways: what we write for each connected peer, and how a flag read picks the transport dialled first.</summary>
public class PexTransportFlagTests
{
    private static readonly IPEndPoint Somewhere = new(IPAddress.Parse("10.2.3.4"), 6881);

    [Fact]
    public void Written_flags_say_uTP_for_a_uTP_connection_encryption_for_an_MSE_one_seed_and_reachable()
    {
        Assert.Equal(PexFlags.None, PeerExchange.FlagsOf(new PeerContact(null!, Somewhere, IsSeed: false, IsIncoming: true)));
        Assert.Equal(PexFlags.SupportsUtp | PexFlags.Reachable,
            PeerExchange.FlagsOf(new PeerContact(null!, Somewhere, false, IsIncoming: false, TransportKind.Utp)));
        Assert.Equal(PexFlags.Seed | PexFlags.PrefersEncryption,
            PeerExchange.FlagsOf(new PeerContact(null!, Somewhere, IsSeed: true, IsIncoming: true, TransportKind.Tcp, IsObfuscated: true)));
        // libtorrent's byte for a uTP seed it reached over MSE: 0x01 | 0x02 | 0x04 (plus our 0x10 for "we dialled it").
        Assert.Equal(0x17, (byte)PeerExchange.FlagsOf(new PeerContact(null!, Somewhere, true, false, TransportKind.Utp, true)));
    }

    [Fact]
    public void Received_flags_are_kept_per_contact()
    {
        var state = new PexPeerState(new FakeTimeProvider(), TimeSpan.FromMinutes(1));
        var learned = state.Receive(new PexMessage([new(Somewhere, PexFlags.SupportsUtp | PexFlags.Seed), new(new IPEndPoint(IPAddress.Parse("10.2.3.5"), 1))]).Encode());
        Assert.Equal([PexFlags.SupportsUtp | PexFlags.Seed, PexFlags.None], learned.Select(c => c.Flags));
    }

    [Fact]
    public void A_uTP_flag_means_uTP_first_an_unflagged_new_contact_TCP_first_and_an_unflagged_report_changes_nothing_known()
    {
        var entry = new PeerBook.Entry(Somewhere, PeerSource.PeerExchange);
        entry.NoteExchangeFlags(PexFlags.None, isNew: true);
        Assert.Equal(TransportKind.Tcp, entry.DialFirst);
        entry.NoteExchangeFlags(PexFlags.SupportsUtp, isNew: false);
        Assert.Equal(TransportKind.Utp, entry.DialFirst);
        entry.NoteExchangeFlags(PexFlags.Seed, isNew: false); // the flag is only ever positive
        Assert.Equal(TransportKind.Utp, entry.DialFirst);

        var fromTracker = new PeerBook.Entry(Somewhere, PeerSource.Tracker);
        fromTracker.NoteExchangeFlags(PexFlags.None, isNew: false);
        Assert.Null(fromTracker.DialFirst); // the dialer's default (uTP first under --transport both)
    }

    [Theory]
    [InlineData(PexFlags.SupportsUtp, TransportKind.Utp)]
    [InlineData(PexFlags.Seed, TransportKind.Tcp)]
    public async Task A_PEX_contact_is_dialled_with_its_transport_hint(PexFlags flags, TransportKind expected)
    {
        var ct = TestContext.Current.CancellationToken;
        var network = new InMemoryNetwork();
        var content = SwarmTestData.RandomBytes(64 * 1024, seed: 3);
        var info = SwarmTestData.SingleFile(content);
        await using var seeder = ClientEngine.Start(new EngineSettings(), network.NewHost());
        seeder.AddTorrent(info, MemoryStorage.CreateSeeded(info, content));
        var host = network.NewHost();
        var recording = new HintRecordingDialer(host.Dialer);
        await using var leecher = ClientEngine.Start(new EngineSettings(), new PeerTransports(recording, host.Listeners));
        var session = leecher.AddTorrent(info, new MemoryStorage(info));
        session.AddExchangedPeers([new PexPeer(seeder.ListenEndPoint, flags)], reportedBy: IPAddress.Parse("10.9.9.9"));
        await session.Completion.WaitAsync(TimeSpan.FromSeconds(20), ct);
        Assert.Equal([expected], recording.Hints);
    }

    private sealed class HintRecordingDialer(IPeerDialer inner) : IPeerDialer
    {
        public List<TransportKind?> Hints { get; } = [];

        public Task<TransportConnection> DialAsync(IPEndPoint endPoint, CancellationToken ct) => DialAsync(endPoint, null, ct);

        public Task<TransportConnection> DialAsync(IPEndPoint endPoint, TransportKind? first, CancellationToken ct)
        {
            lock (Hints) Hints.Add(first);
            return inner.DialAsync(endPoint, ct);
        }
    }
}
