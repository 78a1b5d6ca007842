using System.Net;

namespace Shoal.Discovery.Dht;

/// <summary>BEP 5's three states of a node in the routing table.</summary>
internal enum ContactState : byte
{
    /// <summary>Answered one of our queries in the last 15 minutes, or has answered before and queried us in the last 15 minutes.</summary>
    Good,
    /// <summary>Nothing heard for 15 minutes (or never answered yet): pinged before it is relied on or replaced.</summary>
    Questionable,
    /// <summary>Failed to answer <see cref="DhtContact.FailuresUntilBad"/> queries in a row: replaced by the first candidate.</summary>
    Bad,
}

/// <summary>A node in the routing table (or its replacement cache). Times are milliseconds of the node's clock.</summary>
internal sealed class DhtContact(NodeId id, IPEndPoint endPoint, bool conforming)
{
    /// <summary>BEP 5: try a silent node once more before giving up on it.</summary>
    public const int FailuresUntilBad = 2;

    public const long Never = long.MinValue;

    public static readonly long GoodForMilliseconds = (long)TimeSpan.FromMinutes(15).TotalMilliseconds;

    public NodeId Id { get; } = id;

    public IPEndPoint EndPoint { get; } = endPoint;

    /// <summary>Its id matches its address under BEP 42 (or the address is exempt).</summary>
    public bool Conforming { get; } = conforming;

    public long LastResponse { get; set; } = Never;

    public long LastQueryFrom { get; set; } = Never;

    /// <summary>When we last sent it a query (so maintenance does not ping it twice in a row).</summary>
    public long LastQueried { get; set; } = Never;

    public int Failures { get; set; }

    public long LastSeen => Math.Max(LastResponse, LastQueryFrom);

    public ContactState State(long now)
    {
        if (Failures >= FailuresUntilBad) return ContactState.Bad;
        if (LastResponse == Never) return ContactState.Questionable;
        return now - LastSeen <= GoodForMilliseconds ? ContactState.Good : ContactState.Questionable;
    }

    public NodeContact ToNodeContact() => new(Id, EndPoint);

    public override string ToString() => $"{Id} {EndPoint}";
}
