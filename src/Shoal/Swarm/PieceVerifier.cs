using Shoal.Metainfo;
using Shoal.Storage;
using System.Threading.Channels;

namespace Shoal.Swarm;

/// <summary>
/// Hashes completed pieces on worker threads (never on a connection's receive loop), then writes the ones
/// that verified. Nothing unverified ever reaches the disk. The queues hold at most the picker's in-flight
/// pieces, so they are bounded by the same memory budget.
/// </summary>
/// <remarks>
/// Hashing runs on several workers, writing on one: buffered writes to the same file take the inode's lock, and
/// two writers at once only spin on it (measured: a seventh of a leecher's CPU on a 2-core machine).
/// </remarks>
internal sealed class PieceVerifier
{
    private readonly IVerificationSink _sink;
    private readonly TorrentInfo _info;
    private readonly IPieceStorage _storage;
    private readonly Channel<PieceDownload> _toHash = Channel.CreateUnbounded<PieceDownload>(new UnboundedChannelOptions { SingleWriter = false });
    private readonly Channel<PieceDownload> _toWrite = Channel.CreateUnbounded<PieceDownload>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _starting = new();
    private readonly int _workers;
    private Task[] _hashers = [];
    private Task _writer = Task.CompletedTask;
    private bool _started;

    public PieceVerifier(IVerificationSink sink, TorrentInfo info, IPieceStorage storage, int workers)
    {
        _sink = sink;
        _info = info;
        _storage = storage;
        _workers = workers;
    }

    public void Enqueue(PieceDownload download)
    {
        EnsureWorkers();
        _toHash.Writer.TryWrite(download);
    }

    /// <summary>The workers start with the first piece: a seed (thousands of them in a daemon) keeps no waiting tasks.</summary>
    private void EnsureWorkers()
    {
        lock (_starting)
        {
            if (_started) return;
            _started = true;
            var hashers = new Task[_workers];
            for (int i = 0; i < hashers.Length; i++) hashers[i] = Task.Run(HashAsync);
            _hashers = hashers;
            _writer = Task.Run(WriteAsync);
        }
    }

    /// <summary>Finishes the pieces already queued, then stops the workers.</summary>
    public async Task CompleteAsync()
    {
        _toHash.Writer.TryComplete();
        Task[] hashers;
        Task writer;
        lock (_starting)
        {
            _started = true; // no workers start after this
            hashers = _hashers;
            writer = _writer;
        }
        await Task.WhenAll(hashers).ConfigureAwait(false);
        _toWrite.Writer.TryComplete();
        await writer.ConfigureAwait(false);
    }

    private async Task HashAsync()
    {
        await foreach (var download in _toHash.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                if (PieceHasher.Verify(_info, download.Index, download.Buffer.AsSpan(0, download.Size)))
                {
                    _sink.OnPieceHashed(download);
                    _toWrite.Writer.TryWrite(download);
                }
                else
                    _sink.OnPieceFailed(download);
            }
            catch (Exception ex)
            {
                // A bug must fail the torrent with its message, never end this worker and leave the download hanging.
                _sink.OnStorageError(download, ex);
            }
        }
    }

    private async Task WriteAsync()
    {
        await foreach (var download in _toWrite.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                await _storage.WritePieceAsync(download.Index, download.Buffer.AsMemory(0, download.Size), CancellationToken.None).ConfigureAwait(false);
                await _storage.MarkVerifiedAsync(download.Index, CancellationToken.None).ConfigureAwait(false);
                _sink.OnPieceVerified(download.Index);
            }
            catch (Exception ex)
            {
                // Disk full, permissions, or a bug in the storage: the torrent fails with the message; the writer lives on.
                _sink.OnStorageError(download, ex);
            }
        }
    }
}

/// <summary>Where the verifier reports each piece's outcome (the torrent, through this narrow face).</summary>
internal interface IVerificationSink
{
    /// <summary>The piece hashed right (its buffer still attached), before it is written.</summary>
    void OnPieceHashed(PieceDownload download);

    /// <summary>The piece hashed right and is on disk.</summary>
    void OnPieceVerified(int piece);

    /// <summary>The piece failed its hash; its buffer is still attached (who sent which block is in it).</summary>
    void OnPieceFailed(PieceDownload download);

    /// <summary>Writing the verified piece failed (disk full, permissions).</summary>
    void OnStorageError(PieceDownload download, Exception error);
}
