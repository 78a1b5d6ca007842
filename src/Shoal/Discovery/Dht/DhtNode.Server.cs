using System.Buffers;
using System.Net;
using System.Net.Sockets;

namespace Shoal.Discovery.Dht;

public sealed partial class DhtNode
{
    /// <summary>
    /// Answers a query (BEP 5). Replies carry our id, the requester's address (BEP 42 "ip") and only what was asked for,
    /// and never exceed the budget: <see cref="DhtOptions.MaxReplyBytes"/> for nodes known to receive at their address,
    /// <see cref="DhtOptions.UnverifiedReplyFactor"/> times the query's size for anyone else (no amplification).
    /// </summary>
    private void Answer(KrpcMessage query, IPEndPoint from, int queryLength, bool verified, long now)
    {
        int budget = verified ? _options.MaxReplyBytes : Math.Min(_options.MaxReplyBytes, _options.UnverifiedReplyFactor * queryLength);
        switch (query.Method)
        {
            case KrpcMethod.Ping:
                _counters.PingsAnswered++;
                Send(Reply(query, from), from);
                break;
            case KrpcMethod.FindNode:
                _counters.FindNodesAnswered++;
                Send(WithNodes(Reply(query, from), query, from, budget, now), from);
                break;
            case KrpcMethod.GetPeers:
                _counters.GetPeersAnswered++;
                Send(WithPeers(WithNodes(Reply(query, from) with { Token = _tokens.Issue(from.Address, query.Target) }, query, from, budget, now),
                    query.Target, from, budget, now), from);
                break;
            case KrpcMethod.AnnouncePeer:
                AcceptAnnounce(query, from, now);
                break;
            default:
                SendError(query, from, KrpcMessage.MethodUnknown, "Method Unknown");
                break;
        }
    }

    private void AcceptAnnounce(KrpcMessage query, IPEndPoint from, long now)
    {
        if (!_tokens.IsValid(query.Token, from.Address, query.Target))
        {
            SendError(query, from, KrpcMessage.ProtocolError, "invalid token");
            return;
        }
        int port = query.ImpliedPort ? from.Port : query.Port;
        if (port == 0)
        {
            SendError(query, from, KrpcMessage.ProtocolError, "invalid port");
            return;
        }
        var peer = new IPEndPoint(from.Address, port);
        _store.Announce(query.Target, peer, now);
        _counters.AnnouncesAccepted++;
        OfferAnnouncedPeer(query.Target, peer);
        Send(Reply(query, from), from);
    }

    private KrpcMessage Reply(KrpcMessage query, IPEndPoint from) => new()
    {
        Kind = KrpcKind.Response, TransactionId = query.TransactionId, Id = Id, RequesterEndPoint = from, Version = KrpcWriter.ShoalVersion,
    };

    /// <summary>BEP 32: the node lists "want" asks for (default: the requester's family), trimmed to the budget.</summary>
    private KrpcMessage WithNodes(KrpcMessage reply, KrpcMessage query, IPEndPoint from, int budget, long now)
    {
        var want = query.Want != NodeFamilies.Default ? query.Want
            : CompactInfo.FamilyOf(from) == AddressFamily.InterNetwork ? NodeFamilies.V4 : NodeFamilies.V6;
        var nodes = (want & NodeFamilies.V4) != 0 && _v4 is not null ? ClosestContacts(_v4, query.Target, now) : null;
        var nodes6 = (want & NodeFamilies.V6) != 0 && _v6 is not null ? ClosestContacts(_v6, query.Target, now) : null;
        reply = reply with { Nodes = nodes, Nodes6 = nodes6 };
        while (Measure(reply) > budget)
        {
            if (nodes6 is { Count: > 0 }) nodes6.RemoveAt(nodes6.Count - 1);
            else if (nodes is { Count: > 0 }) nodes.RemoveAt(nodes.Count - 1);
            else break;
        }
        return reply;
    }

    /// <summary>get_peers: as many stored peers of the requester's family as the budget leaves room for, a random sample.</summary>
    private KrpcMessage WithPeers(KrpcMessage reply, NodeId infoHash, IPEndPoint from, int budget, long now)
    {
        int room = budget - Measure(reply) - KrpcWriter.ValuesOverhead;
        int fit = room / KrpcWriter.ValueLength(from);
        if (fit <= 0) return reply;
        var peers = new List<IPEndPoint>();
        _store.Sample(infoHash, CompactInfo.FamilyOf(from), fit, now, _random, peers);
        return peers.Count == 0 ? reply : reply with { Values = peers };
    }

    private List<NodeContact> ClosestContacts(RoutingTable table, NodeId target, long now)
    {
        var closest = new List<DhtContact>(RoutingTable.K);
        table.Closest(target, RoutingTable.K, closest, now);
        return closest.ConvertAll(c => c.ToNodeContact());
    }

    private void SendError(KrpcMessage query, IPEndPoint to, int code, string message) => Send(new KrpcMessage
    {
        Kind = KrpcKind.Error, TransactionId = query.TransactionId, ErrorCode = code, ErrorMessage = message, RequesterEndPoint = to,
        Version = KrpcWriter.ShoalVersion,
    }, to);

    /// <summary>Sends a query and opens its transaction; null when every query slot is taken.</summary>
    private PendingQuery? SendQuery(IPEndPoint to, KrpcMethod method, NodeId target, IQueryOwner? owner, object? tag, long now,
        byte[]? token = null, int port = 0, bool impliedPort = false, NodeFamilies want = NodeFamilies.Default)
    {
        var query = _transactions.Open(to, method, owner, tag, now);
        if (query is null) return null;
        var transactionId = new byte[2];
        Transactions.WriteId(query.TransactionId, transactionId);
        Send(new KrpcMessage
        {
            Kind = KrpcKind.Query, TransactionId = transactionId, Method = method, Id = Id, Target = target, Token = token, Port = port,
            ImpliedPort = impliedPort, Want = want, ReadOnly = _options.ReadOnly, Version = KrpcWriter.ShoalVersion,
        }, to);
        _counters.QueriesSent++;
        if (TableFor(to)?.Find(to) is { } contact) contact.LastQueried = now;
        ArmQueryTimer(now);
        return query;
    }

    private int Measure(KrpcMessage message)
    {
        var scratch = ArrayPool<byte>.Shared.Rent(SendBufferLength);
        _writer.Reset(scratch);
        KrpcWriter.Write(message, _writer);
        ArrayPool<byte>.Shared.Return(scratch);
        return _writer.Written;
    }

    /// <summary>Writes the message into a pooled buffer queued for <see cref="Flush"/> (called under the lock).</summary>
    private void Send(KrpcMessage message, IPEndPoint to)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(SendBufferLength);
        _writer.Reset(buffer);
        KrpcWriter.Write(message, _writer);
        _outbox.Enqueue(new Outgoing(buffer, _writer.Written, to));
    }

    /// <summary>Sends what the last locked section queued, outside the lock.</summary>
    private void Flush()
    {
        while (_outbox.TryDequeue(out var datagram))
        {
            _port.Send(datagram.Buffer.AsSpan(0, datagram.Length), datagram.To);
            ArrayPool<byte>.Shared.Return(datagram.Buffer);
        }
    }
}
