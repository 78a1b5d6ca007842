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
/// it; a failed one is dropped and its senders blamed (each block's sender is known), repeat offenders banned; a
/// storage error stops downloading and keeps what verified.
/// </summary>
internal sealed class VerificationOutcomes(SwarmContext swarm, RequestScheduler scheduler, ITorrentProgress progress) : IVerificationSink
{
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
                if (peer.Availability.Bits?[piece] != true) peer.Send(new Outgoing(MessageId.Have, piece));
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
        lock (swarm.Sync)
        {
            swarm.HashFailures++;
            Interlocked.Add(ref swarm.Wasted, download.Size);
            foreach (var contributor in download.Contributors)
            {
                if (contributor is not PeerConnection peer) continue;
                int failures = peer.CountHashFailure();
                if (failures < swarm.Settings.HashFailuresBeforeBan) continue;
                swarm.Log.LogWarning("banned {Peer} ({Client}): {Count} pieces with its data failed verification", peer.RemoteEndPoint, peer.ClientName, failures);
                Ban(peer, "sent data that failed verification");
            }
            swarm.Picker!.Failed(download.Index);
            scheduler.FillAll();
        }
    }

    public void OnStorageError(PieceDownload download, Exception error)
    {
        lock (swarm.Sync)
        {
            swarm.Error ??= error;
            swarm.Log.LogError("writing piece {Piece} failed: {Error}", download.Index, error.Message);
            swarm.Picker!.Failed(download.Index);
            foreach (var peer in swarm.Peers) scheduler.UpdateInterest(peer);
        }
        progress.Failed(error);
    }

    /// <summary>Bans the peer's addresses for this torrent and drops it (lock held).</summary>
    public void Ban(PeerConnection peer, string reason)
    {
        swarm.Book.Ban(peer.ListenEndPoint ?? peer.RemoteEndPoint);
        swarm.Book.Ban(peer.RemoteEndPoint);
        peer.Close(reason);
    }
}
