using System.Net;
using Microsoft.Extensions.Logging;
using Shoal.Wire;

namespace Shoal.Swarm;

/// <summary>What the torrent tells its owner as pieces verify (implemented by <see cref="TorrentSession"/>).</summary>
internal interface ITorrentProgress
{
    void PieceVerified(int piece);

    void Completed();

    void Failed(Exception error);
}

/// <summary>
/// What follows a piece's verification: a verified piece is recorded and announced (HAVE) to every peer that lacks
/// it; a failed one is dropped, and blame goes only where it is proven: a piece from one address alone counts against it
/// (repeat offenders are banned), a mixed one is settled by <see cref="SmartBan"/> once it passes. A v2 piece is
/// first held for block-level blame (<see cref="V2.BlockBlame"/>): the senders of its bad blocks are known for certain
/// from proven leaf hashes, and only those blocks are fetched again. A storage error stops downloading and keeps what verified.
/// </summary>
internal sealed class VerificationOutcomes(SwarmContext swarm, RequestScheduler scheduler, ITorrentProgress progress) : IVerificationSink, V2.IBlockVerdicts
{
    private readonly SmartBan _smartBan = new();

    public void OnPieceVerified(int piece)
    {
        bool nowComplete;
        lock (swarm.Sync)
        {
            var picker = swarm.Picker!;
            bool wasFinished = picker.IsFinished;
            scheduler.OnVerified(piece);
            picker.Verified(piece);
            foreach (var peer in swarm.Peers)
                if (peer.Availability.Bits?[piece] != true) peer.SendHave(piece, picker.Have.Count);
            nowComplete = picker.IsFinished && !wasFinished;
            if (nowComplete)
            {
                foreach (var peer in swarm.Peers)
                    if (peer.IsSeed) peer.Close("both seeding");
            }
            // The piece's buffer is free again: peers held back by the in-flight memory bound may request more.
            else scheduler.FillAll();
        }
        progress.PieceVerified(piece);
        if (nowComplete) progress.Completed();
    }

    /// <summary>
    /// Storage found a piece we had bad when it hashed it before uploading it (its file changed behind our back): we no
    /// longer have it and want it again from the peers that have it. (Peers were told we had it; they get rejects.)
    /// </summary>
    public void OnPieceInvalidated(int piece)
    {
        lock (swarm.Sync)
        {
            if (swarm.Stopped || swarm.Picker is not { } picker || !picker.Have[piece]) return;
            swarm.Log.LogWarning("piece {Piece} no longer matches its hash on disk: dropped, it will be downloaded again", piece);
            picker.Lost(piece);
            scheduler.OnLost(piece);
            scheduler.FillAll();
        }
    }

    public void OnPieceFailed(PieceDownload download)
    {
        _smartBan.OnFailed(download, download.Buffer.AsSpan(0, download.Size));
        // Its blocks' hashes are taken here, on the hashing worker, so judging them later under the lock is cheap.
        var failed = swarm.Hashes is null || swarm.Info is not { } info ? null : V2.FailedPiece.Hash(info, download, swarm.Time.GetTimestamp());
        lock (swarm.Sync)
        {
            swarm.HashFailures++;
            if (failed is not null && !swarm.Stopped && swarm.Hashes!.TryHoldFailed(failed, swarm.Peers)) return;
            FailWhole(download);
        }
    }

    /// <summary>The piece is dropped and fetched again whole; blame only where one address alone sent it (lock held).</summary>
    private void FailWhole(PieceDownload download)
    {
        Interlocked.Add(ref swarm.Wasted, download.Size);
        var contributors = download.Contributors;
        var senders = contributors.OfType<PeerConnection>().ToList();
        // A piece from a web seed alone proves it wrong: it is dropped at once (BEP 19).
        if (contributors is [WebSeeds.WebSeedPeer webSeed]) webSeed.OnBadData(download.Index);
        // Only a piece that came from one address alone proves that address wrong; a mixed piece waits for the
        // smart-ban verdict when it passes (OnPieceHashed), so an innocent peer that shared it is never blamed.
        else if (senders.Count == contributors.Count && senders.Select(p => p.RemoteEndPoint.Address).Distinct().Count() == 1)
        {
            foreach (var peer in senders)
            {
                int failures = peer.CountHashFailure();
                if (failures < swarm.Settings.HashFailuresBeforeBan) continue;
                swarm.Log.LogWarning("banned {Peer} ({Client}): {Count} pieces of its data alone failed verification", peer.RemoteEndPoint, peer.ClientName, failures);
                Ban(peer, "sent data that failed verification");
            }
        }
        swarm.Picker!.Failed(download.Index);
        scheduler.FillAll();
    }

    /// <summary>Proven leaf hashes named the bad blocks of a held v2 piece: their senders lied for certain (lock held).</summary>
    public void OnBadBlocks(PieceDownload download, ReadOnlySpan<bool> bad)
    {
        if (swarm.Picker?.Active(download.Index) != download) return; // the torrent stopped meanwhile
        var liars = new HashSet<object>();
        for (int block = 0; block < download.BlockCount; block++)
        {
            if (!bad[block]) continue;
            Interlocked.Add(ref swarm.Wasted, download.BlockLength(block));
            if (download.SenderOf(block) is { } sender) liars.Add(sender);
        }
        foreach (var liar in liars)
        {
            if (liar is WebSeeds.WebSeedPeer webSeed) webSeed.OnBadData(download.Index);
            else if (liar is PeerConnection peer)
            {
                swarm.Log.LogWarning("banned {Peer} ({Client}): its block of piece {Piece} does not match the proven leaf hash", peer.RemoteEndPoint, peer.ClientName, download.Index);
                Ban(peer, $"sent a bad block of piece {download.Index}");
            }
        }
        swarm.Picker.Reopen(download.Index, bad);
        scheduler.FillAll();
    }

    /// <summary>A held v2 piece nobody could narrow down: it fails whole after all (lock held).</summary>
    public void OnUnresolved(PieceDownload download)
    {
        if (swarm.Picker?.Active(download.Index) == download) FailWhole(download);
    }

    /// <summary>A piece hashed right (on a hashing worker, before it is written): settles any earlier failure of it.</summary>
    public void OnPieceHashed(PieceDownload download)
    {
        if (!_smartBan.IsSuspect(download.Index)) return;
        var liars = _smartBan.OnPassed(download.Index, download.Size, download.Buffer.AsSpan(0, download.Size));
        if (liars.Count == 0) return;
        lock (swarm.Sync)
        {
            foreach (var address in liars)
            {
                swarm.Log.LogWarning("banned {Address}: its block of piece {Piece} differed from the data that verified", address, download.Index);
                BanAddress(address, $"sent a wrong block of piece {download.Index}");
            }
        }
    }

    public void OnStorageError(PieceDownload download, Exception error)
    {
        lock (swarm.Sync)
        {
            swarm.Log.LogError("writing piece {Piece} failed: {Error}", download.Index, error.Message);
            swarm.Picker!.Failed(download.Index);
        }
        Fail(error);
    }

    /// <summary>Something that must not fail did (storage, a worker, an event subscriber): the torrent stops downloading with the error.</summary>
    public void Fail(Exception error)
    {
        lock (swarm.Sync)
        {
            swarm.Error ??= error;
            foreach (var peer in swarm.Peers) scheduler.UpdateInterest(peer);
        }
        progress.Failed(error);
    }

    /// <summary>Bans the peer's address (every port of it) for this torrent and drops it (lock held).</summary>
    public void Ban(PeerConnection peer, string reason)
    {
        peer.Close(reason);
        BanAddress(peer.RemoteEndPoint.Address, reason);
    }

    /// <summary>Bans an address for this torrent and drops every connection from it (lock held).</summary>
    private void BanAddress(IPAddress address, string reason)
    {
        swarm.Book.Ban(address);
        foreach (var peer in swarm.Peers)
            if (peer.RemoteEndPoint.Address.Equals(address)) peer.Close(reason);
    }
}
