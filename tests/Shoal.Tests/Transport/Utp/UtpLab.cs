using Shoal.Transport.Utp;

namespace Shoal.Tests.Transport.Utp;

/// <summary>
/// Two uTP managers on a <see cref="SimulatedNetwork"/> (hosts A at 10.0.0.1 and B at 10.0.0.2), with helpers that
/// connect them and move bytes without waiting on real time: everything runs on the test's thread in fake time.
/// </summary>
internal sealed class UtpLab : IAsyncDisposable
{
    public UtpLab(int seed, LinkConditions? conditions = null, UtpOptions? options = null, Random? randomA = null)
    {
        Network = new SimulatedNetwork(seed) { Conditions = conditions ?? new LinkConditions() };
        PortA = Network.AddHost("10.0.0.1");
        PortB = Network.AddHost("10.0.0.2");
        var baseOptions = (options ?? new UtpOptions()) with { TimeProvider = Network.Time };
        A = new UtpSocketManager(PortA, baseOptions with { Random = randomA ?? new Random(seed * 2 + 1) });
        B = new UtpSocketManager(PortB, baseOptions with { Random = new Random(seed * 2 + 2) });
    }

    public SimulatedNetwork Network { get; }
    public SimulatedPort PortA { get; }
    public SimulatedPort PortB { get; }
    public UtpSocketManager A { get; }
    public UtpSocketManager B { get; }

    /// <summary>A dials B; returns both ends once connected.</summary>
    public async Task<(UtpStream Client, UtpStream Server)> ConnectAsync()
    {
        var connect = A.ConnectAsync(PortB.LocalEndPoint, TestContext.Current.CancellationToken);
        UtpStream? server = null;
        Assert.True(Network.RunUntil(() => (server ??= TryAccept()) is not null && A.Connections.Any(c => c.State != UtpState.SynSent),
            TimeSpan.FromSeconds(30)), "no connection within 30 s (fake time)");
        var client = await connect.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        return (client, server!);
    }

    private UtpStream? TryAccept() => B.Incoming.TryRead(out var stream) ? stream : null;

    /// <summary>
    /// Writes <paramref name="data"/> into <paramref name="sender"/> as fast as it takes it (optionally in pieces of
    /// <paramref name="writeSize"/>), reads everything from <paramref name="receiver"/>; then closes the sender and
    /// expects the end of stream. Returns what arrived and how long it took in fake time.
    /// </summary>
    public (byte[] Received, TimeSpan Elapsed) Transfer(UtpStream sender, UtpStream receiver, byte[] data, TimeSpan limit,
        int writeSize = int.MaxValue, bool close = true, int alreadyWritten = 0)
    {
        var received = new MemoryStream();
        var buffer = new byte[64 * 1024];
        int written = alreadyWritten;
        bool closed = false, ended = false;
        var start = Network.Time.GetUtcNow();
        bool done = Network.RunUntil(() =>
        {
            while (written < data.Length)
            {
                int n = sender.TryWrite(data.AsSpan(written, Math.Min(writeSize, data.Length - written)));
                if (n == 0) break;
                written += n;
            }
            if (written == data.Length && close && !closed)
            {
                sender.Dispose();
                closed = true;
            }
            int read;
            while ((read = receiver.TryRead(buffer)) > 0) received.Write(buffer, 0, read);
            if (read == 0) ended = true;
            return received.Length == data.Length && (!close || ended);
        }, limit);
        Assert.True(done, $"transfer incomplete after {limit}: {received.Length} of {data.Length} bytes arrived, " +
            $"sender {Describe(sender)}, receiver {Describe(receiver)}, network sent {Network.Sent} dropped {Network.Dropped}");
        return (received.ToArray(), Network.Time.GetUtcNow() - start);
    }

    public static string Describe(UtpStream stream)
    {
        var c = stream.Connection;
        var s = stream.Statistics;
        return $"[{c.State} {c.Error} cwnd {c.CongestionWindow} inflight {c.BytesInFlight} rtt {c.RttMicros / 1000.0:0.#} ms " +
            $"sent {s.PacketsSent} resent {s.PacketsResent} fast {s.FastRetransmits} timeouts {s.Timeouts} recv {s.PacketsReceived} dup {s.DuplicatePacketsReceived} acks {s.AcksSent}]";
    }

    public static byte[] RandomBytes(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    public async ValueTask DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
    }
}
