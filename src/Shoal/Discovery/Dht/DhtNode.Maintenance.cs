namespace Shoal.Discovery.Dht;

public sealed partial class DhtNode
{
    /// <summary>Questionable entries pinged per table and maintenance round, oldest first.</summary>
    private const int PingsPerRound = 3;

    private bool _selfLookupRunning;

    /// <summary>
    /// Housekeeping every <see cref="DhtOptions.MaintenanceInterval"/>: token secret, expired peers, rate-limiter memory,
    /// one stale bucket refreshed per table, a few questionable entries pinged, re-bootstrap of an emptied table,
    /// re-announces, and the state file (written after the lock is released).
    /// </summary>
    private void OnMaintenanceTimer()
    {
        DhtStateFile.Snapshot? snapshot = null;
        lock (_gate)
        {
            if (_disposed) return;
            long now = Now;
            _tokens.Rotate(now);
            _store.Purge(now);
            _limiter.Forget(now);
            foreach (var table in Tables())
            {
                RefreshStalestBucket(table, now);
                PingQuestionable(table, now);
            }
            if (_ready.IsCompleted && Tables().All(t => t.Count == 0) && (_routers.Count > 0 || _savedNodes.Count > 0)) Rebootstrap(now);
            if (_started.IsCompleted) RunDueAnnouncements(now);
            if (_options.StateFile is not null && now - _lastSave >= Milliseconds(_options.SaveInterval))
            {
                _lastSave = now;
                snapshot = Snapshot();
            }
        }
        Flush();
        if (snapshot is not null && _options.StateFile is { } path)
        {
            try
            {
                DhtStateFile.Save(path, snapshot);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Tried again next round; the node works without it.
            }
        }
    }

    /// <summary>BEP 5: a bucket unchanged for 15 minutes gets a find_node for a random id inside it.</summary>
    private void RefreshStalestBucket(RoutingTable table, long now)
    {
        long interval = Milliseconds(_options.BucketRefreshInterval);
        int stalest = -1;
        for (int i = 0; i < table.BucketCount; i++)
        {
            var bucket = table.Buckets[i];
            if (now - bucket.LastChanged >= interval && (stalest < 0 || bucket.LastChanged < table.Buckets[stalest].LastChanged)) stalest = i;
        }
        if (stalest < 0) return;
        table.Buckets[stalest].LastChanged = now;
        var run = new LookupRun(this, CancellationToken.None);
        var family = table == _v4 ? System.Net.Sockets.AddressFamily.InterNetwork : System.Net.Sockets.AddressFamily.InterNetworkV6;
        StartLookup(LookupKind.FindNode, table.RandomIdIn(stalest, _random), family, run, now, routers: null, port: 0, impliedPort: false);
        run.Seal();
    }

    /// <summary>Keeps the table honest: entries silent for 15 minutes are pinged (two failures make them bad).</summary>
    private void PingQuestionable(RoutingTable table, long now)
    {
        long recently = Milliseconds(_options.MaintenanceInterval);
        var due = table.Buckets.SelectMany(b => b.Nodes)
            .Where(c => c.State(now) == ContactState.Questionable && now - c.LastQueried >= recently)
            .OrderBy(c => c.LastSeen).Take(PingsPerRound).ToList();
        foreach (var contact in due)
            if (Ping(contact.EndPoint, now) is null) return;
    }

    private void Rebootstrap(long now)
    {
        if (_selfLookupRunning) return;
        _selfLookupRunning = true;
        var run = new LookupRun(this, CancellationToken.None, onComplete: _ => _selfLookupRunning = false);
        StartLookups(LookupKind.FindNode, Id, run, now);
        run.Seal();
    }

    private DhtStateFile.Snapshot TakeSnapshot()
    {
        lock (_gate) return Snapshot();
    }

    /// <summary>Our id and every entry that has answered us, closest buckets last (they matter most after a restart).</summary>
    private DhtStateFile.Snapshot Snapshot() =>
        new(Id, [.. Tables().SelectMany(t => t.All()).Where(c => c.LastResponse != DhtContact.Never && c.Failures == 0)
            .Select(c => c.ToNodeContact())]);
}
