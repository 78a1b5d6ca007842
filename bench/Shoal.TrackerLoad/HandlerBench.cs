using System.Buffers.Binary;
using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Shoal.TrackerServer;
using Shoal.TrackerServer.Registry;
using Shoal.TrackerServer.Udp;

namespace Shoal.TrackerLoad;

/// <summary>CPU cost of one UDP announce without the network: the handler called in a loop over a preloaded registry.</summary>
internal static class HandlerBench
{
    public static void Run(int torrents, int peers, int iterations)
    {
        var options = new TrackerOptions();
        var registry = new SwarmRegistry(TimeSpan.FromHours(1));
        var handler = new UdpRequestHandler(new TrackerCore(options, registry, TimeProvider.System, NullLoggerFactory.Instance));
        var client = PeerEndpoint.FromAddress([127, 0, 0, 1], 5000);
        ulong id = handler.Ids.Issue(in client);
        var packet = new byte[98];
        var reply = new byte[UdpProtocol.MaxPacket];
        var random = new Random(1);
        void Announce(int t, int p, int numWant, int eventCode)
        {
            BinaryPrimitives.WriteUInt64BigEndian(packet, id);
            BinaryPrimitives.WriteInt32BigEndian(packet.AsSpan(8), 1);
            BenchData.InfoHash(t, packet.AsSpan(16, 20));
            BenchData.PeerId(t, p, packet.AsSpan(36, 20));
            BinaryPrimitives.WriteInt64BigEndian(packet.AsSpan(64), BenchData.Left(p));
            BinaryPrimitives.WriteInt32BigEndian(packet.AsSpan(80), eventCode);
            BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(84), BenchData.Address(t, p));
            BinaryPrimitives.WriteInt32BigEndian(packet.AsSpan(92), numWant);
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(96), BenchData.Port(p));
            if (handler.Handle(packet, in client, reply) < 20) throw new InvalidOperationException("announce failed");
        }
        for (int t = 0; t < torrents; t++)
            for (int p = 0; p < peers; p++) Announce(t, p, 0, 2);
        var clock = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        int numWant = int.Parse(Environment.GetEnvironmentVariable("NUMWANT") ?? "50");
        for (int i = 0; i < iterations; i++) Announce(random.Next(torrents), random.Next(peers), numWant, 0);
        double ns = clock.Elapsed.TotalNanoseconds / iterations;
        // CPU time as well as wall time: on a machine shared with other work, the process's CPU per announce moves less.
        double cpuNs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalNanoseconds / iterations;
        Console.WriteLine(FormattableString.Invariant(
            $"RESULT mode=handler ns_per_announce={ns:F0} cpu_ns_per_announce={cpuNs:F0} announces_per_core_second={1e9 / cpuNs:F0}"));
    }
}
