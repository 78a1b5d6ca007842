using System.Buffers;
using Microsoft.Extensions.Logging;
using Shoal.Storage;

namespace Shoal.Swarm.WebSeeds;

/// <summary>
/// A web seed as a block source of one torrent, scheduled like a peer that has every piece (as libtorrent does). A few
/// request slots each ask the picker for the free blocks of one piece (<see cref="PiecePicker.PickPiece"/>: a whole
/// new piece when no partial one waits; never endgame duplicates, which would only race the peers for blocks already on
/// their way), fetch each run of blocks with one HTTP range request per file (runs cut at
/// <see cref="WebSeedOptions.MaxRequestBytes"/>), and hand the blocks to the same claim-and-verify path as peer blocks.
/// A failed or timed-out request puts its blocks back for anyone to take, and the seed rests (<see cref="WebSeedBackoff"/>):
/// a slow or broken server never holds blocks longer than one request's time limit. A piece that fails verification
/// with only this seed's data bans it (<see cref="OnBadData"/>).
/// </summary>
internal sealed class WebSeedPeer : IPickerPeer
{
    private readonly SwarmContext _swarm;
    private readonly RequestScheduler _scheduler;
    private readonly Func<PieceVerifier?> _verifier;
    private readonly int _slotCount;
    private readonly Bitfield _all;
    private AsyncSignal[] _wake = [];
    private CancellationTokenSource? _running;
    private Task _slots = Task.CompletedTask;
    private int _fetching;

    public WebSeedPeer(WebSeed seed, SwarmContext swarm, RequestScheduler scheduler, Func<PieceVerifier?> verifier, int slots)
    {
        Seed = seed;
        _swarm = swarm;
        _scheduler = scheduler;
        _verifier = verifier;
        _slotCount = Math.Max(1, slots);
        _all = new Bitfield(swarm.Info!.PieceCount);
        _all.SetAll();
        Rate = new RateMeter(swarm.Time);
    }

    public WebSeed Seed { get; }

    /// <summary>Bytes received per second (verified or not).</summary>
    public RateMeter Rate { get; }

    /// <summary>A request to the server is under way (torrent lock held).</summary>
    public bool IsFetching => _fetching > 0;

    Bitfield IPickerPeer.Have => _all;

    // Endgame duplicates are never asked of a web seed (see Pick's endgame flag).
    bool IPickerPeer.HasRequested(int piece, int begin) => false;

    /// <summary>Starts the request slots (torrent lock held); nothing if running or banned.</summary>
    public void Start()
    {
        if (_running is not null || Seed.Backoff.IsBanned) return;
        var running = _running = new CancellationTokenSource();
        var wake = _wake = [.. Enumerable.Range(0, _slotCount).Select(_ => new AsyncSignal())];
        _slots = Task.WhenAll(wake.Select(signal => Task.Run(() => RunSlotAsync(signal, running.Token))));
    }

    /// <summary>Stops the slots (torrent lock held); the returned task ends once every request is over and its blocks released.</summary>
    public Task StopAsync()
    {
        if (_running is not { } running) return Task.CompletedTask;
        _running = null;
        running.Cancel();
        foreach (var signal in _wake) signal.Close();
        return _slots.ContinueWith(_ => running.Dispose(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
    }

    /// <summary>Blocks may have become free (a piece verified or failed, requests released): idle slots look again.</summary>
    public void Wake()
    {
        foreach (var signal in _wake) signal.Set();
    }

    /// <summary>A piece with only this seed's data failed verification: BEP 19 says drop the seed (torrent lock held).</summary>
    public void OnBadData(int piece)
    {
        if (Seed.Backoff.IsBanned) return;
        Seed.ReportBadData();
        _swarm.Log.LogWarning("web seed {Url} dropped: piece {Piece} from it failed verification", Seed.Url, piece);
        Wake();
    }

    private async Task RunSlotAsync(AsyncSignal wake, CancellationToken ct)
    {
        var info = _swarm.Info!;
        var picks = new BlockRequest[(info.PieceLength + BlockRequest.BlockSize - 1) / BlockRequest.BlockSize];
        // One request's worth: runs are cut at MaxRequestBytes, so 16 MiB pieces cost 1 MiB per slot, not 16.
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(info.PieceLength, Math.Max(Seed.Options.MaxRequestBytes, BlockRequest.BlockSize)));
        try
        {
            while (!ct.IsCancellationRequested && !Seed.Backoff.IsBanned)
            {
                var rest = Seed.Backoff.RetryAt - _swarm.Time.GetUtcNow();
                if (rest > TimeSpan.Zero)
                {
                    // Capped: banned meanwhile, RetryAt is "never", beyond what a delay takes (the loop then ends).
                    await Task.Delay(rest < Seed.Options.MaxBackoff ? rest : Seed.Options.MaxBackoff, _swarm.Time, ct).ConfigureAwait(false);
                    continue;
                }
                int n = Pick(picks);
                if (n == 0) await wake.WaitAsync().ConfigureAwait(false);
                else await FetchAsync(picks.AsMemory(0, n), buffer, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private int Pick(Span<BlockRequest> picks)
    {
        lock (_swarm.Sync)
        {
            if (!_swarm.IsActive || _swarm.Picker is not { IsFinished: false } picker || _verifier() is null || !Seed.IsReady) return 0;
            int n = picker.PickPiece(this, picks);
            if (n > 0) _fetching++;
            if (n > 0) _swarm.Log.LogDebug("web seed {Url}: piece {Piece}, {Count} blocks", Seed.Url, picks[0].Piece, n); // under the lock, so a status never shows blocks picked but no request under way
            return n;
        }
    }

    /// <summary>Fetches the picked blocks, one range request per run of adjacent blocks; whatever did not arrive is released.</summary>
    private async Task FetchAsync(Memory<BlockRequest> picks, byte[] buffer, CancellationToken ct)
    {
        int done = 0;
        try
        {
            while (done < picks.Length)
            {
                var first = picks.Span[done];
                int end = done + 1, length = first.Length;
                while (end < picks.Length && picks.Span[end].Piece == first.Piece && picks.Span[end].Begin == first.Begin + length
                       && length + picks.Span[end].Length <= Seed.Options.MaxRequestBytes)
                    length += picks.Span[end++].Length;
                await _swarm.DownloadLimiter.WaitAsync(length, ct).ConfigureAwait(false);
                await Seed.FetchAsync(first.Piece, first.Begin, length, buffer.AsMemory(0, length), ct).ConfigureAwait(false);
                Rate.Add(length);
                Deliver(picks.Span[done..end], buffer);
                done = end;
            }
        }
        catch (WebSeedException ex)
        {
            // Already recorded in the back-off: the seed rests, and its blocks go back to the picker for anyone.
            _swarm.Log.LogInformation("web seed {Url}: {Error}; next try in {Wait:0.#} s", Seed.Url, ex.Message,
                Math.Max(0, (Seed.Backoff.RetryAt - _swarm.Time.GetUtcNow()).TotalSeconds));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Seed.Backoff.Failed(WebSeedFailure.ServerError);
            _swarm.Log.LogWarning(ex, "web seed {Url} failed", Seed.Url);
        }
        finally
        {
            Release(picks.Span[done..]);
        }
    }

    /// <summary>
    /// Claims the blocks of one run under the lock (a block someone else delivered first is wasted), then copies them
    /// into the piece buffer without it, exactly as blocks from a peer; the copy that completes a piece queues it for hashing.
    /// </summary>
    private void Deliver(ReadOnlySpan<BlockRequest> run, byte[] data)
    {
        Span<bool> claimed = run.Length <= 1024 ? stackalloc bool[run.Length] : new bool[run.Length];
        PieceDownload? download = null;
        lock (_swarm.Sync)
        {
            for (int i = 0; i < run.Length; i++)
            {
                var block = run[i];
                if (_swarm.Picker is not { } picker) break;
                if ((Seed.Backoff.IsBanned ? null : picker.Claim(this, block.Piece, block.Begin, block.Length)) is not { } claim)
                {
                    picker.Release(block.Piece, block.Begin); // banned meanwhile: the block is for others (a no-op if it arrived from one)
                    continue;
                }
                download = claim;
                claimed[i] = true;
                _scheduler.CancelDuplicates(null, block.Piece, block.Begin, block.Length);
            }
        }
        var verifier = _verifier();
        int start = run[0].Begin;
        for (int i = 0; i < run.Length; i++)
        {
            var block = run[i];
            if (!claimed[i])
            {
                Interlocked.Add(ref _swarm.Wasted, block.Length);
                continue;
            }
            data.AsSpan(block.Begin - start, block.Length).CopyTo(download!.Buffer.AsSpan(block.Begin));
            Interlocked.Add(ref _swarm.Downloaded, block.Length);
            if (download.CompleteBlock()) verifier?.Enqueue(download);
        }
    }

    /// <summary>The request is over: blocks that did not arrive go back to the picker for anyone (and peers are asked for them).</summary>
    private void Release(ReadOnlySpan<BlockRequest> blocks)
    {
        lock (_swarm.Sync)
        {
            _fetching--;
            if (blocks.IsEmpty || _swarm.Picker is not { } picker) return;
            foreach (var block in blocks) picker.Release(block.Piece, block.Begin);
            _scheduler.FillAll();
        }
    }

    public override string ToString() => Seed.Url.ToString();
}
