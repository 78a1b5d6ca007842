using System.Net;
using Microsoft.Extensions.Time.Testing;
using Shoal.Bencoding;
using Shoal.Trackers;
using Shoal.TrackerServer;
using Shoal.TrackerServer.Operations;
using Shoal.TrackerServer.Registry;
using Shoal.TrackerServer.Service;
using static Shoal.Tests.TrackerServer.TrackerClientHelpers;
using static Shoal.Tests.TrackerServer.TrackerTestData;

namespace Shoal.Tests.TrackerServer;

/// <summary>
/// Issue 10 item 13: a peer is its (peer id, address) pair. Whoever learns a peer id cannot move that peer to their own
/// address or stop it, and peer ids are not handed out unless the operator asks for it.
/// </summary>
[Trait("Category", "Hostile")]
public class PeerIdentityTests
{
    private static readonly IPAddress Victim = IPAddress.Parse("198.51.100.1");
    private static readonly IPAddress Attacker = IPAddress.Parse("203.0.113.9");
    private static readonly IPAddress Observer = IPAddress.Parse("192.0.2.1");

    private readonly FakeTimeProvider _time = new();
    private readonly PeerSelection _selection = new(50);
    private readonly AnnounceService _service;

    public PeerIdentityTests()
    {
        var options = new TrackerOptions();
        _service = new AnnounceService(options, new SwarmRegistry(options.EffectivePeerTimeout, _time), new TrackerCounters(), _time);
    }

    private void Announce(int peer, IPAddress from, ushort port, AnnounceEvent ev, TrackerProtocol protocol = TrackerProtocol.Udp) =>
        _service.Announce(new AnnounceInput(Hash(1), Id(peer), port, 1000, ev, 50, new AnnounceSource(PeerEndpoint.FromIPAddress(from, 0), SourceTrust.Remote),
            null, protocol), _selection);

    private HashSet<IPEndPoint> SeenByObserver()
    {
        Announce(99, Observer, 6999, AnnounceEvent.None);
        return Endpoints(_selection.Compact4, 6).Select(e => e.ToIPEndPoint()).ToHashSet();
    }

    [Fact]
    public void A_learned_peer_id_does_not_move_its_peer_to_another_address()
    {
        Announce(1, Victim, 6881, AnnounceEvent.Started);
        Announce(1, Attacker, 6666, AnnounceEvent.Started); // the victim's id, from the attacker's address
        var seen = SeenByObserver();
        Assert.Contains(new IPEndPoint(Victim, 6881), seen);
    }

    [Theory]
    [InlineData(TrackerProtocol.Udp)]
    [InlineData(TrackerProtocol.Http)]
    public void A_learned_peer_id_cannot_stop_its_peer(TrackerProtocol protocol)
    {
        Announce(1, Victim, 6881, AnnounceEvent.Started);
        Announce(1, Attacker, 6881, AnnounceEvent.Stopped, protocol);
        Assert.Contains(new IPEndPoint(Victim, 6881), SeenByObserver());
        // The peer itself still can.
        Announce(1, Victim, 6881, AnnounceEvent.Stopped);
        Assert.DoesNotContain(new IPEndPoint(Victim, 6881), SeenByObserver());
    }

    [Fact]
    public void A_peer_that_changes_port_is_still_one_peer()
    {
        Announce(1, Victim, 6881, AnnounceEvent.Started);
        Announce(1, Victim, 7777, AnnounceEvent.None);
        var seen = SeenByObserver();
        Assert.Equal([new IPEndPoint(Victim, 7777)], seen);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Dictionary_answers_carry_peer_ids_only_when_the_tracker_exposes_them(bool expose)
    {
        await using var tracker = await TrackerHost.StartAsync(new TrackerOptions { Host = "127.0.0.1", Port = 0, ExposePeerIds = expose },
            cancellationToken: TestContext.Current.CancellationToken);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var hash = Hash(2);
        await GetBencodedAsync(http, AnnounceUrl(tracker.HttpAnnounceUrl, hash, "-SH0001-aaaaaaaaaaaa", 7001, 0));
        var answer = await GetBencodedAsync(http, AnnounceUrl(tracker.HttpAnnounceUrl, hash, "-SH0001-bbbbbbbbbbbb", 7002, 5, "&compact=0"));
        var peer = Assert.IsType<BDictionary>(Assert.Single(answer.Get<BList>("peers")!));
        Assert.Equal(7001, peer.Get<BInteger>("port")!.Value);
        Assert.Equal(expose, peer.ContainsKey("peer id"));
        if (expose) Assert.Equal("-SH0001-aaaaaaaaaaaa", peer.Get<BString>("peer id")!.Text);
    }
}
