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
    private readonly TorrentSession _session;
    private readonly Channel<PieceDownload> _toHash = Channel.CreateUnbounded<PieceDownload>(new UnboundedChannelOptions { SingleWriter = false });
    private readonly Channel<PieceDownload> _toWrite = Channel.CreateUnbounded<PieceDownload>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task[] _hashers;
    private readonly Task _writer;

    public PieceVerifier(TorrentSession session, int workers)
    {
        _session = session;
        _hashers = new Task[workers];
        for (int i = 0; i < workers; i++) _hashers[i] = Task.Run(HashAsync);
        _writer = Task.Run(WriteAsync);
    }

    public void Enqueue(PieceDownload download) => _toHash.Writer.TryWrite(download);

    /// <summary>Finishes the pieces already queued, then stops the workers.</summary>
    public async Task CompleteAsync()
    {
        _toHash.Writer.TryComplete();
        await Task.WhenAll(_hashers).ConfigureAwait(false);
        _toWrite.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }

    private async Task HashAsync()
    {
        await foreach (var download in _toHash.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            if (PieceHasher.Verify(_session.Info, download.Index, download.Buffer.AsSpan(0, download.Size)))
                _toWrite.Writer.TryWrite(download);
            else
                _session.OnPieceFailed(download);
        }
    }

    private async Task WriteAsync()
    {
        await foreach (var download in _toWrite.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                await _session.Storage.WritePieceAsync(download.Index, download.Buffer.AsMemory(0, download.Size), CancellationToken.None).ConfigureAwait(false);
                await _session.Storage.MarkVerifiedAsync(download.Index, CancellationToken.None).ConfigureAwait(false);
                _session.OnPieceVerified(download.Index);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException)
            {
                _session.OnStorageError(download, ex);
            }
        }
    }
}
