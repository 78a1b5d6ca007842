using System.Net;
using Microsoft.Extensions.Time.Testing;
using Shoal.Metainfo;
using Shoal.Swarm;

namespace Shoal.Tests.Swarm;

/// <summary>Which swarm of a hybrid an address is dialled in: the v2 one only when it was heard of nowhere else.</summary>
public class PeerBookSwarmTests
{
    private static readonly InfoHash V2 = InfoHash.Parse("00112233445566778899aabbccddeeff00112233");

    [Fact]
    public void An_address_heard_in_both_swarms_is_dialled_in_the_v1_one_whatever_the_order()
    {
        var book = new PeerBook(new FakeTimeProvider());
        var onlyV2 = new IPEndPoint(IPAddress.Parse("10.0.0.1"), 6881);
        var v2First = new IPEndPoint(IPAddress.Parse("10.0.0.2"), 6881);
        var v1First = new IPEndPoint(IPAddress.Parse("10.0.0.3"), 6881);
        Assert.True(book.Add(onlyV2, PeerSource.Tracker, V2));
        Assert.True(book.Add(v2First, PeerSource.Dht, V2));
        Assert.False(book.Add(v2First, PeerSource.Tracker));
        Assert.True(book.Add(v1First, PeerSource.Tracker));
        Assert.False(book.Add(v1First, PeerSource.Dht, V2));

        Assert.Equal(V2, book.Get(onlyV2)!.Swarm);
        Assert.Null(book.Get(v2First)!.Swarm);
        Assert.Null(book.Get(v1First)!.Swarm);
    }
}
