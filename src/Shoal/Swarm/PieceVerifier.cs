using Shoal.Storage;
using System.Threading.Channels;

namespace Shoal.Swarm;

/// <summary>
/// Hashes completed pieces on worker threads (never on a connection's receive loop), then writes the ones
/// that verified. Nothing unverified ever reaches the disk. The queue holds at most the picker's in-flight
/// pieces, so it is bounded by the same memory budget.
/// </summary>
internal sealed class PieceVerifier
{
    private readonly TorrentSession _session;
    private readonly Channel<PieceDownload> _queue = Channel.CreateUnbounded<PieceDownload>(new UnboundedChannelOptions { SingleWriter = false });
    private readonly Task[] _workers;

    public PieceVerifier(TorrentSession session, int workers)
    {
        _session = session;
        _workers = new Task[workers];
        for (int i = 0; i < workers; i++) _workers[i] = Task.Run(WorkAsync);
    }

    public void Enqueue(PieceDownload download) => _queue.Writer.TryWrite(download);

    /// <summary>Finishes the pieces already queued, then stops the workers.</summary>
    public Task CompleteAsync()
    {
        _queue.Writer.TryComplete();
        return Task.WhenAll(_workers);
    }

    private async Task WorkAsync()
    {
        await foreach (var download in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            var data = download.Buffer.AsMemory(0, download.Size);
            if (!PieceHasher.Verify(_session.Info, download.Index, data.Span))
            {
                _session.OnPieceFailed(download);
                continue;
            }
            try
            {
                await _session.Storage.WritePieceAsync(download.Index, data, CancellationToken.None).ConfigureAwait(false);
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
