using System.Net;
using System.Net.Sockets;

namespace Shoal.Discovery.Dht;

public sealed partial class DhtNode
{
    /// <summary>
    /// Bootstrap at start: from the saved nodes, and from the configured routers if that leaves the table empty.
    /// <paramref name="started"/> completes as soon as lookups have someone to ask: the saved nodes, else the routers
    /// once resolved (and in any case when the bootstrap ends).
    /// </summary>
    private async Task BootstrapAtStartAsync(TaskCompletionSource started)
    {
        try
        {
            bool fromSaved;
            lock (_gate) fromSaved = _savedNodes.Count > 0;
            if (fromSaved)
            {
                started.TrySetResult();
                var run = new LookupRun(this, CancellationToken.None);
                lock (_gate)
                {
                    if (_disposed) return;
                    StartLookups(LookupKind.FindNode, Id, run, Now);
                    run.Seal();
                }
                Flush();
                await run.Task.ConfigureAwait(false);
                lock (_gate)
                    if (Tables().Any(t => t.Count > 0)) return;
            }
            var routers = (await ResolveAsync(_options.BootstrapNodes).ConfigureAwait(false)).Select(Normalize).ToList();
            lock (_gate)
                foreach (var router in routers)
                    if (!_routers.Contains(router)) _routers.Add(router);
            started.TrySetResult();
            if (routers.Count > 0) await BootstrapAsync(routers).ConfigureAwait(false);
        }
        finally
        {
            started.TrySetResult();
        }
    }

    /// <summary>Resolves HOST:PORT entries; IP literals are used as they are (no DNS query), names that fail are skipped.</summary>
    private static async Task<List<IPEndPoint>> ResolveAsync(IReadOnlyList<string> entries)
    {
        var result = new List<IPEndPoint>();
        foreach (var entry in entries)
        {
            int colon = entry.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(entry.AsSpan(colon + 1), out int port) || port is <= 0 or > ushort.MaxValue) continue;
            var host = entry[..colon].Trim('[', ']');
            if (IPAddress.TryParse(host, out var literal))
            {
                result.Add(new IPEndPoint(literal, port));
                continue;
            }
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                foreach (var address in await System.Net.Dns.GetHostAddressesAsync(host, timeout.Token).ConfigureAwait(false))
                    result.Add(new IPEndPoint(address, port));
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or OperationCanceledException or ArgumentException)
            {
                // An unknown or unreachable router name: the other routers (or later port messages) will do.
            }
        }
        return result;
    }

    /// <summary>Runs a lookup now, or once the node has someone to ask (its routers are resolved, or its saved nodes loaded).</summary>
    private Task<DhtLookupResult> RunWhenStarted(LookupKind kind, NodeId target, Action<IPEndPoint>? onPeer, int port, bool impliedPort,
        CancellationToken cancellationToken) =>
        _started.IsCompleted
            ? Run(kind, target, onPeer, port, impliedPort, cancellationToken)
            : RunAfterStartAsync(kind, target, onPeer, port, impliedPort, cancellationToken);

    private async Task<DhtLookupResult> RunAfterStartAsync(LookupKind kind, NodeId target, Action<IPEndPoint>? onPeer, int port,
        bool impliedPort, CancellationToken cancellationToken)
    {
        await _started.WaitAsync(cancellationToken).ConfigureAwait(false);
        return await Run(kind, target, onPeer, port, impliedPort, cancellationToken).ConfigureAwait(false);
    }

    private Task<DhtLookupResult> Run(LookupKind kind, NodeId target, Action<IPEndPoint>? onPeer, int port, bool impliedPort,
        CancellationToken cancellationToken)
    {
        var run = new LookupRun(this, cancellationToken, onPeer);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            StartLookups(kind, target, run, Now, port: port, impliedPort: impliedPort);
            run.Seal();
        }
        Flush();
        return run.Task;
    }

    /// <summary>One lookup per address family we take part in.</summary>
    private void StartLookups(LookupKind kind, NodeId target, LookupRun run, long now, IReadOnlyList<IPEndPoint>? routers = null,
        int port = 0, bool impliedPort = false)
    {
        if (_v4 is not null) StartLookup(kind, target, AddressFamily.InterNetwork, run, now, routers, port, impliedPort);
        if (_v6 is not null) StartLookup(kind, target, AddressFamily.InterNetworkV6, run, now, routers, port, impliedPort);
    }

    private void StartLookup(LookupKind kind, NodeId target, AddressFamily family, LookupRun run, long now,
        IReadOnlyList<IPEndPoint>? routers, int port, bool impliedPort)
    {
        var table = family == AddressFamily.InterNetwork ? _v4! : _v6!;
        var lookup = new Lookup(this, kind, target, family, _options.Alpha, _options.MaxPeersPerLookup, run.OnPeer, done =>
        {
            _lookups.Remove(done);
            run.OnLookupDone(done);
        }, now) { AnnouncePort = port, ImpliedPort = impliedPort };
        _lookups.Add(lookup);
        run.Add(lookup);

        var seeds = new List<DhtContact>();
        table.Closest(target, 2 * RoutingTable.K, seeds, now);
        foreach (var seed in seeds) lookup.AddSeed(seed.ToNodeContact());
        if (seeds.Count < RoutingTable.K)
        {
            foreach (var saved in _savedNodes) lookup.AddSeed(saved);
            foreach (var router in _routers) lookup.AddRouter(router);
        }
        foreach (var router in routers ?? []) lookup.AddRouter(router);
        if (kind != LookupKind.FindNode)
        {
            var local = new List<IPEndPoint>();
            _store.Sample(target, family, _options.MaxPeersPerLookup, now, _random, local);
            foreach (var peer in local) lookup.OfferPeer(peer);
        }
        lookup.Pump(now);
    }

    /// <summary>
    /// The table was empty and has its first node: rounds that reached nobody run now instead of after their back-off
    /// (a seeder started alone would otherwise wait up to minutes to announce to the first leecher that joins it).
    /// </summary>
    private void RetryStrandedAnnouncements(long now)
    {
        if (_disposed || !_started.IsCompleted) return;
        bool any = false;
        foreach (var announcement in _announcements)
        {
            if (announcement.Running || announcement.LastResult is not { AnnouncedTo: 0 }) continue;
            announcement.RetryDelay = TimeSpan.Zero;
            announcement.NextDue = now;
            any = true;
        }
        if (any) RunDueAnnouncements(now);
    }

    /// <summary>
    /// A node announced itself for a torrent we are announcing: it is a peer now, not only at our next lookup (two nodes
    /// that know only each other would otherwise meet at the slower one's retry, and a seeder whose round was fruitful
    /// not for 15 minutes). A seeder is offered it too: a leecher that found nobody else is waiting for exactly it.
    /// </summary>
    private void OfferAnnouncedPeer(NodeId target, IPEndPoint peer)
    {
        foreach (var announcement in _announcements)
        {
            if (!announcement.IsActive || NodeId.FromInfoHash(announcement.InfoHash) != target) continue;
            if (IsOurOwnAnnounce(peer, announcement.Port)) continue;
            announcement.OnPeer?.Invoke(peer);
        }
    }

    private bool TablesAreEmpty()
    {
        lock (_gate) return Tables().All(t => t.Count == 0);
    }

    /// <summary>Starts the announce rounds that are due (each torrent at most one round at a time).</summary>
    private void RunDueAnnouncements(long now)
    {
        foreach (var announcement in _announcements)
        {
            if (announcement.Running || announcement.NextDue > now) continue;
            announcement.Running = true;
            var run = new LookupRun(this, CancellationToken.None, announcement.OnPeer, result =>
            {
                announcement.Running = false;
                var delay = NextRoundDelay(announcement, result);
                announcement.NextDue = Now + Milliseconds(delay);
                announcement.Timer?.Change(delay, Timeout.InfiniteTimeSpan);
                announcement.Completed(result);
            });
            StartLookups(LookupKind.Announce, NodeId.FromInfoHash(announcement.InfoHash), run, now, port: announcement.Port,
                impliedPort: announcement.ImpliedPort);
            run.Seal();
        }
    }

    /// <summary>
    /// The full re-announce interval after a fruitful round; after one that reached no node, or found no peer for a
    /// torrent that wants some, a retry delay that doubles each time (a just-started node or a waiting magnet link).
    /// With an empty routing table there is no one to retry with: the round waits for the table's first node, which
    /// restarts it (<see cref="RetryStrandedAnnouncements"/>), so a daemon of a thousand torrents started offline does
    /// not run a thousand empty lookups every few seconds.
    /// </summary>
    private TimeSpan NextRoundDelay(DhtAnnouncement announcement, DhtLookupResult result)
    {
        if (result.AnnouncedTo == 0 && TablesAreEmpty())
        {
            announcement.RetryDelay = TimeSpan.Zero;
            return _options.ReannounceInterval;
        }
        bool unfruitful = result.AnnouncedTo == 0 || (result.PeersFound == 0 && announcement.WantsPeers?.Invoke() == true);
        if (!unfruitful)
        {
            announcement.RetryDelay = TimeSpan.Zero;
            return _options.ReannounceInterval;
        }
        var delay = announcement.RetryDelay == TimeSpan.Zero ? _options.AnnounceRetryInterval : announcement.RetryDelay * 2;
        if (delay > _options.ReannounceInterval) delay = _options.ReannounceInterval;
        announcement.RetryDelay = delay;
        return delay;
    }

    /// <summary>
    /// Whether a peer a lookup found is our own announce: our TCP port on an address of ours (loopback, the address the
    /// UDP port is bound to, or the external address the nodes agree on). No other program can listen on that port here.
    /// </summary>
    internal bool IsOurOwnAnnounce(IPEndPoint peer, int port) =>
        port != 0 && peer.Port == port &&
        (IPAddress.IsLoopback(peer.Address) || peer.Address.Equals(_port.LocalEndPoint.Address) || peer.Address.Equals(_votes.Winner));

    /// <summary>An announcement's timer fired, or the node started: start the rounds that are due.</summary>
    internal void OnAnnouncementDue()
    {
        lock (_gate)
        {
            if (_disposed || !_started.IsCompleted) return;
            RunDueAnnouncements(Now);
        }
        Flush();
    }

    /// <summary>Called by a lookup: sends its find_node/get_peers; false when every query slot is taken.</summary>
    internal bool SendLookupQuery(Lookup lookup, Candidate candidate, long now) =>
        SendQuery(candidate.EndPoint, lookup.Kind == LookupKind.FindNode ? KrpcMethod.FindNode : KrpcMethod.GetPeers, lookup.Target,
            lookup, candidate, now, want: WantFor(lookup.Family)) is not null;

    internal bool SendAnnounce(Lookup lookup, Candidate candidate, long now) =>
        SendQuery(candidate.EndPoint, KrpcMethod.AnnouncePeer, lookup.Target, lookup, candidate, now, token: candidate.Token,
            port: lookup.AnnouncePort, impliedPort: lookup.ImpliedPort) is not null;

    internal void WaitForQuerySlot(Lookup lookup)
    {
        if (!_waitingForSlot.Contains(lookup)) _waitingForSlot.Enqueue(lookup);
    }

    /// <summary>Lets lookups that found every query slot taken go on, now that one is free.</summary>
    private void ResumeWaiting(long now)
    {
        while (_transactions.HasRoom && _waitingForSlot.TryDequeue(out var lookup)) lookup.Pump(now);
    }

    /// <summary>
    /// BEP 32: a dual-stack node asks for both node lists while one of its tables is still thin, so each family
    /// helps bootstrap the other; otherwise the default (the family the query goes over).
    /// </summary>
    private NodeFamilies WantFor(AddressFamily family)
    {
        if (_v4 is null || _v6 is null) return NodeFamilies.Default;
        var other = family == AddressFamily.InterNetwork ? _v6 : _v4;
        return other.Count < RoutingTable.K ? NodeFamilies.V4 | NodeFamilies.V6 : NodeFamilies.Default;
    }

    private void Cancel(LookupRun run)
    {
        lock (_gate)
        {
            run.Cancelled = true;
            long now = Now;
            foreach (var lookup in run.Lookups.ToList()) lookup.Cancel(now);
        }
    }

    /// <summary>The lookups started for one request (one per address family) and the result they make together.</summary>
    private sealed class LookupRun
    {
        private readonly TaskCompletionSource<DhtLookupResult> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Action<DhtLookupResult>? _onComplete;
        private readonly CancellationToken _cancellationToken;
        private readonly CancellationTokenRegistration _registration;
        private int _pending;
        private bool _sealed;

        public LookupRun(DhtNode node, CancellationToken cancellationToken, Action<IPEndPoint>? onPeer = null,
            Action<DhtLookupResult>? onComplete = null)
        {
            OnPeer = onPeer;
            _onComplete = onComplete;
            _cancellationToken = cancellationToken;
            if (cancellationToken.CanBeCanceled) _registration = cancellationToken.Register(() => node.Cancel(this));
        }

        public Task<DhtLookupResult> Task => _result.Task;

        public Action<IPEndPoint>? OnPeer { get; }

        public List<Lookup> Lookups { get; } = [];

        public bool Cancelled { get; set; }

        public void Add(Lookup lookup)
        {
            Lookups.Add(lookup);
            _pending++;
        }

        public void OnLookupDone(Lookup lookup)
        {
            _pending--;
            TryComplete();
        }

        /// <summary>Every lookup of the run has been started: the run may complete.</summary>
        public void Seal()
        {
            _sealed = true;
            TryComplete();
        }

        private void TryComplete()
        {
            if (!_sealed || _pending > 0 || _result.Task.IsCompleted) return;
            _registration.Unregister(); // never Dispose here: it would wait for a running callback that waits for our lock
            if (Cancelled)
            {
                _result.TrySetCanceled(_cancellationToken);
                return;
            }
            var result = Combine();
            _onComplete?.Invoke(result);
            _result.TrySetResult(result);
        }

        private DhtLookupResult Combine()
        {
            long started = Lookups.Count > 0 ? Lookups.Min(l => l.StartedAt) : 0;
            long finished = Lookups.Count > 0 ? Lookups.Max(l => l.FinishedAt) : 0;
            long converged = Lookups.Count > 0 ? Lookups.Max(l => Math.Max(l.ConvergedAt, l.StartedAt)) : 0;
            var target = Lookups.Count > 0 ? Lookups[0].Target : default;
            return new DhtLookupResult(target, [.. Lookups.SelectMany(l => l.Closest())], Lookups.Sum(l => l.QueriesSent),
                Lookups.Sum(l => l.Responses), Lookups.Sum(l => l.Timeouts), TimeSpan.FromMilliseconds(finished - started),
                TimeSpan.FromMilliseconds(converged - started),
                Lookups.Sum(l => l.PeersFound), Lookups.Sum(l => l.AnnouncedTo));
        }
    }
}
