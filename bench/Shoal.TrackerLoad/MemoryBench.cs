using System.Diagnostics;
using Shoal.Metainfo;
using Shoal.TrackerServer.Registry;
using Shoal.Trackers;
using Shoal.Wire;

namespace Shoal.TrackerLoad;

/// <summary>
/// Bytes per registered peer: managed heap growth (GC.GetTotalMemory after full collections) when torrents × peers are
/// registered through the registry's own announce path, measured right after loading and again after the periodic
/// sweep has trimmed growth slack (what a running tracker holds in steady state).
/// </summary>
internal static class MemoryBench
{
    public static void Run(int torrents, int peers)
    {
        long before = Measure();
        var registry = new SwarmRegistry(TimeSpan.FromHours(1));
        var selection = new PeerSelection(0);
        Span<byte> hash = stackalloc byte[20];
        Span<byte> id = stackalloc byte[20];
        Span<byte> address = stackalloc byte[4];
        var clock = Stopwatch.StartNew();
        for (int t = 0; t < torrents; t++)
        {
            BenchData.InfoHash(t, hash);
            var infoHash = new InfoHash(hash);
            for (int p = 0; p < peers; p++)
            {
                BenchData.PeerId(t, p, id);
                // Distinct addresses, as on a real tracker.
                address[0] = 10; address[1] = (byte)(t >> 8); address[2] = (byte)t; address[3] = (byte)p;
                var request = new PeerAnnounce(infoHash, PeerId.From(id), PeerEndpoint.FromAddress(address, BenchData.Port(p)),
                    AnnounceEvent.Started, BenchData.Left(p) == 0, 0);
                registry.Announce(in request, selection);
            }
        }
        double loadSeconds = clock.Elapsed.TotalSeconds;
        long loaded = Measure();
        registry.Sweep();
        long swept = Measure();
        long count = (long)torrents * peers;
        var totals = registry.Totals();
        if (totals.Peers != count) throw new InvalidOperationException($"registered {totals.Peers} peers, expected {count}");
        Console.WriteLine(FormattableString.Invariant(
            $"RESULT mode=memory peers={count} torrents={torrents} bytes_per_peer_loaded={(loaded - before) / (double)count:F1} bytes_per_peer_swept={(swept - before) / (double)count:F1} load_seconds={loadSeconds:F2}"));
        GC.KeepAlive(registry);
    }

    /// <summary>The live managed heap, after full compacting collections.</summary>
    internal static long Measure()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
