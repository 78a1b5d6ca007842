using Microsoft.Extensions.Logging;
using Shoal.Wire;

namespace Shoal.Swarm;

public sealed partial class TorrentSession
{
    /// <summary>A piece verified and is on disk: record it, tell every peer that lacks it, update interest.</summary>
    internal void OnPieceVerified(int piece)
    {
        bool nowComplete;
        lock (Sync)
        {
            _picker.Verified(piece);
            foreach (var peer in _peers)
            {
                if (peer.Have[piece])
                {
                    peer.WantedPieces--;
                    UpdateInterest(peer);
                }
                else
                {
                    peer.Enqueue(new Outgoing(MessageId.Have, piece));
                }
            }
            nowComplete = _picker.IsComplete;
            if (nowComplete)
            {
                foreach (var peer in _peers)
                    if (peer.IsSeed) peer.Close("both seeding");
            }
            // The piece's buffer is free again: peers held back by the in-flight memory bound may request more.
            else RefillAllPeers();
        }
        PieceVerified?.Invoke(piece);
        if (nowComplete && _completed.TrySetResult()) Completed?.Invoke();
    }

    /// <summary>
    /// Storage found a piece we had bad when it hashed it before uploading it (its file changed behind our back): we no
    /// longer have it; it is wanted again from the peers that have it. (Peers were told we had it; they get rejects.)
    /// </summary>
    internal void OnPieceInvalidated(int piece)
    {
        lock (Sync)
        {
            if (_stopped || !_picker.Have[piece]) return;
            Log.LogWarning("piece {Piece} no longer matches its hash on disk: dropped, it will be downloaded again", piece);
            _picker.Lost(piece);
            foreach (var peer in _peers)
            {
                if (!peer.Have[piece]) continue;
                peer.WantedPieces++;
                UpdateInterest(peer);
            }
            RefillAllPeers();
        }
        ConnectMore();
    }

    /// <summary>A piece failed its hash: discard it and blame whoever sent its blocks; repeat offenders are banned.</summary>
    internal void OnPieceFailed(PieceDownload download)
    {
        lock (Sync)
        {
            _hashFailures++;
            Interlocked.Add(ref _wasted, download.Size);
            foreach (var contributor in download.Contributors)
            {
                if (contributor is not PeerConnection peer) continue;
                peer.HashFailures++;
                if (peer.HashFailures < Settings.HashFailuresBeforeBan) continue;
                Log.LogWarning("banned {Peer} ({Client}): {Count} pieces with its data failed verification", peer.RemoteEndPoint, peer.ClientName, peer.HashFailures);
                _book.Ban(peer.ListenEndPoint ?? peer.RemoteEndPoint);
                _book.Ban(peer.RemoteEndPoint);
                peer.Close("sent data that failed verification");
            }
            _picker.Failed(download.Index);
            RefillAllPeers();
        }
    }

    /// <summary>Writing failed (disk full, permissions): stop downloading, keep what verified, report the error.</summary>
    internal void OnStorageError(PieceDownload download, Exception error)
    {
        List<PeerConnection> peers;
        lock (Sync)
        {
            _error ??= error;
            Log.LogError("writing piece {Piece} failed: {Error}", download.Index, error.Message);
            _picker.Failed(download.Index);
            foreach (var peer in _peers) UpdateInterest(peer);
            peers = [.. _peers];
        }
        _completed.TrySetException(error);
    }
}
