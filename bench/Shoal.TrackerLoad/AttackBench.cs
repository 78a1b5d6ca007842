using System.Diagnostics;
using Shoal.Metainfo;
using Shoal.Trackers;
using Shoal.TrackerServer;
using Shoal.TrackerServer.Operations;
using Shoal.TrackerServer.Registry;
using Shoal.TrackerServer.Service;
using Shoal.Wire;

namespace Shoal.TrackerLoad;

/// <summary>
/// Memory and CPU under a peer-table flood, in-process (no packet is sent): <c>announces</c> announces with random peer
/// ids from one attacker, driven through the announce service both front-ends use, with rate limiting off (the flood a
/// rate limit would not stop: one address at full speed, or a botnet). The attacker is one IPv4 address, or with
/// --v6 a random address in one IPv6 /64 per announce; its announces go to one torrent, or with --swarms N to N random
/// torrents. Reports the managed heap after the flood (full collections), the process's CPU seconds and the peers held.
/// An attacker asks for no peers (numwant 0) to keep its own cost down; --numwant N asks for some.
/// </summary>
internal static class AttackBench
{
    public static void Run(int announces, int swarms, bool v6, int numWant, int seed)
    {
        var options = new TrackerOptions();
        var time = TimeProvider.System;
        var service = new AnnounceService(options, new SwarmRegistry(options.EffectivePeerTimeout, time, options.Limits),
            new TrackerCounters(), time);
        var selection = new PeerSelection(TrackerOptions.MaxNumWantLimit);
        var random = new Random(seed);
        Span<byte> id = stackalloc byte[PeerId.Length];
        Span<byte> hash = stackalloc byte[InfoHash.Length];
        Span<byte> address = stackalloc byte[v6 ? 16 : 4];
        if (v6) Convert.FromHexString("20010db8000000070000000000000000").CopyTo(address); // 2001:db8:0:7::/64
        else Convert.FromHexString("cb007107").CopyTo(address); // 203.0.113.7
        var fixedHash = new InfoHash(Convert.FromHexString("5348414c4c4f574154544143b00000000000a7ac"));

        long before = MemoryBench.Measure();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        long refused = 0;
        for (int i = 0; i < announces; i++)
        {
            random.NextBytes(id);
            if (v6) random.NextBytes(address[8..]);
            InfoHash infoHash = fixedHash;
            if (swarms > 1)
            {
                fixedHash.CopyTo(hash);
                System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(hash, random.Next(swarms));
                infoHash = new InfoHash(hash);
            }
            var source = new AnnounceSource(PeerEndpoint.FromAddress(address, 0), SourceTrust.Remote);
            var input = new AnnounceInput(infoHash, PeerId.From(id), 6881, 1000, AnnounceEvent.Started, numWant, source, null, TrackerProtocol.Udp);
            if (!service.Announce(in input, selection).Accepted) refused++;
        }
        double seconds = clock.Elapsed.TotalSeconds;
        double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        long after = MemoryBench.Measure();
        var totals = service.Registry.Totals();
        Console.WriteLine(FormattableString.Invariant(
            $"RESULT mode=attack announces={announces} swarms={swarms} family={(v6 ? "v6/64" : "v4")} peers_held={totals.Peers} torrents_held={totals.Torrents} refused={refused} ") +
            FormattableString.Invariant(
            $"heap_growth_mb={(after - before) / 1048576.0:F1} peak_working_set_mb={Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:F0} cpu_seconds={cpuSeconds:F1} ns_per_announce={seconds * 1e9 / announces:F0}"));
        GC.KeepAlive(service);
    }
}
