using System.Net;

namespace Shoal.Transport.Utp;

public sealed partial class UtpSocketManager
{
    /// <summary>
    /// One batch of outgoing datagrams per thread. Connections fill it under their locks; it is sent after the locks
    /// are released (at the end of a receive batch, of a tick, of a read or write). It remembers which port it is
    /// filling for, so two managers used from one thread never mix their datagrams.
    /// </summary>
    [ThreadStatic]
    private static OutgoingBatch? t_outgoing;

    private sealed class OutgoingBatch
    {
        public readonly DatagramBatch Batch = new();
        public IDatagramPort? Port;
    }

    private OutgoingBatch Outgoing()
    {
        var outgoing = t_outgoing ??= new OutgoingBatch();
        if (outgoing.Port != _port)
        {
            if (outgoing.Port is { } other) outgoing.Batch.SendThrough(other);
            outgoing.Port = _port;
        }
        if (outgoing.Batch.IsFull) outgoing.Batch.SendThrough(_port);
        return outgoing;
    }

    /// <summary>Queues a datagram to send (a copy is taken).</summary>
    internal void Emit(ReadOnlySpan<byte> datagram, IPEndPoint to) => Outgoing().Batch.Add(datagram, to);

    /// <summary>A slot to build a datagram in place; <see cref="CommitEmit"/> queues it.</summary>
    internal Span<byte> ReserveEmit() => Outgoing().Batch.NextSlot();

    internal void CommitEmit(int length, IPEndPoint to) => t_outgoing!.Batch.Commit(length, to);

    /// <summary>Sends everything this thread queued.</summary>
    internal void FlushEmitted()
    {
        var outgoing = t_outgoing;
        if (outgoing?.Port is { } port && outgoing.Batch.Count > 0) outgoing.Batch.SendThrough(port);
    }
}
