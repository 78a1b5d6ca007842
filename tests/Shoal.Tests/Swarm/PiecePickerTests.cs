using System.Buffers;
using Shoal.Storage;
using Shoal.Swarm;

namespace Shoal.Tests.Swarm;

public class PiecePickerTests
{
    private sealed class FakePeer(Bitfield have) : IPickerPeer
    {
        public Bitfield Have { get; } = have;
        public HashSet<(int, int)> Requested { get; } = [];
        public bool HasRequested(int piece, int begin) => Requested.Contains((piece, begin));
    }

    private static Bitfield Pieces(int count, params int[] set)
    {
        var b = new Bitfield(count);
        foreach (int p in set) b[p] = true;
        return b;
    }

    private static Bitfield All(int count)
    {
        var b = new Bitfield(count);
        b.SetAll();
        return b;
    }

    private static PiecePicker NewPicker(int pieces, int pieceLength = 32 * 1024, long maxInFlight = 64L << 20, Bitfield? have = null)
    {
        var info = SwarmTestData.SingleFile(new byte[pieces * pieceLength - 100], pieceLength);
        return new PiecePicker(info, have ?? new Bitfield(info.PieceCount), maxInFlight, new Random(42));
    }

    /// <summary>Delivers a block as the engine does: claim it, copy it in, count it; returns the piece if it completed, else null.</summary>
    private static bool Deliver(PiecePicker picker, object peer, int piece, int begin, int length, out PieceDownload? completed)
    {
        completed = null;
        var download = picker.Claim(peer, piece, begin, length);
        if (download is null) return false;
        new ReadOnlySequence<byte>(new byte[length]).CopyTo(download.Buffer.AsSpan(begin));
        if (download.CompleteBlock()) completed = download;
        return true;
    }

    private static void Complete(PiecePicker picker, FakePeer peer, BlockRequest[] blocks, Span<BlockRequest> picks)
    {
        foreach (var r in picks)
        {
            Assert.True(Deliver(picker, peer, r.Piece, r.Begin, r.Length, out var done));
            if (done is not null) picker.Verified(done.Index);
        }
    }

    [Fact]
    public void A_seed_keeps_no_piece_buffer_pool_and_a_download_drops_its_pool_once_complete()
    {
        Assert.False(NewPicker(4, have: All(4)).HasBufferPool); // ~90 KB of pool buckets per seeding torrent, before

        var picker = NewPicker(2);
        Assert.False(picker.HasBufferPool);
        var peer = new FakePeer(All(2));
        picker.AddPeer(peer.Have);
        var picks = new BlockRequest[100];
        int n = picker.Pick(peer, picks);
        Assert.True(picker.HasBufferPool);
        Complete(picker, peer, [], picks.AsSpan(0, n));
        Assert.True(picker.IsFinished);
        Assert.False(picker.HasBufferPool);
    }

    [Fact]
    public void Pieces_larger_than_the_in_flight_budget_still_download_two_at_a_time()
    {
        // 16 MiB pieces under a 16 MiB budget: one piece at a time would leave the link idle while each is hashed and written.
        const int sixteenMiB = 16 << 20;
        var picker = NewPicker(4, pieceLength: sixteenMiB, maxInFlight: sixteenMiB);
        var picks = new BlockRequest[3 * sixteenMiB / BlockRequest.BlockSize];
        int n = picker.Pick(new FakePeer(All(4)), picks);
        Assert.Equal(2, picks[..n].Select(r => r.Piece).Distinct().Count());
        Assert.InRange(picker.InFlightBytes, sixteenMiB + 1L, 2L * sixteenMiB);
    }

    [Fact]
    public void A_seed_is_asked_only_for_pieces_no_other_peer_has_while_there_are_some()
    {
        var picker = NewPicker(10, have: Pieces(10, 0, 1, 2, 3));
        var seed = new FakePeer(All(10));
        var leecher = new FakePeer(Pieces(10, 4, 5, 6, 7, 8));
        picker.AddPeer(seed.Have);
        picker.AddPeer(leecher.Have);
        Assert.Equal(1, picker.Seeds);
        var picks = new BlockRequest[100];
        int n = picker.Pick(seed, picks);
        Assert.True(n > 0);
        Assert.All(picks[..n], r => Assert.Equal(9, r.Piece));
        // Once nothing is seed-only, the seed is asked for the rest rather than left idle.
        n = picker.Pick(seed, picks);
        Assert.True(n > 0);
        Assert.All(picks[..n], r => Assert.InRange(r.Piece, 4, 8));
    }

    [Fact]
    public void A_peer_completing_its_pieces_becomes_a_seed()
    {
        var picker = NewPicker(3);
        var peer = Pieces(3, 0, 1);
        picker.AddPeer(peer);
        Assert.Equal(1, picker.Availability(0));
        peer[2] = true;
        picker.PeerHas(2, peer);
        Assert.Equal(1, picker.Seeds);
        Assert.Equal(0, picker.Availability(0));
        picker.RemovePeer(peer);
        Assert.Equal(0, picker.Seeds);
    }

    [Fact]
    public void Picks_rarest_piece_once_past_the_random_start()
    {
        var picker = NewPicker(10, have: Pieces(10, 0, 1, 2, 3));
        var common = new FakePeer(All(10));
        var rare = new FakePeer(Pieces(10, 7));
        foreach (var peer in new[] { common, rare }) picker.AddPeer(peer.Have);
        picker.AddPeer(Pieces(10, 4, 5, 6, 8, 9));
        picker.AddPeer(Pieces(10, 4, 5, 6, 8, 9));
        var picks = new BlockRequest[1];
        Assert.Equal(1, picker.Pick(common, picks));
        Assert.Equal(7, picks[0].Piece);
    }

    [Fact]
    public void Only_requests_pieces_the_peer_has_and_we_lack()
    {
        var picker = NewPicker(8, have: Pieces(8, 0, 1, 2, 3, 4));
        var peer = new FakePeer(Pieces(8, 1, 2, 6));
        picker.AddPeer(peer.Have);
        var picks = new BlockRequest[100];
        int n = picker.Pick(peer, picks);
        Assert.Equal(2, n); // piece 6: two 16 KiB blocks
        Assert.All(picks[..n], r => Assert.Equal(6, r.Piece));
    }

    [Fact]
    public void Finishes_partial_pieces_before_starting_new_ones()
    {
        var picker = NewPicker(8);
        var a = new FakePeer(All(8));
        var b = new FakePeer(All(8));
        picker.AddPeer(a.Have);
        picker.AddPeer(b.Have);
        var first = new BlockRequest[1];
        picker.Pick(a, first);
        var second = new BlockRequest[1];
        picker.Pick(b, second);
        Assert.Equal(first[0].Piece, second[0].Piece);
        Assert.NotEqual(first[0].Begin, second[0].Begin);
    }

    [Fact]
    public void In_flight_memory_is_bounded()
    {
        var picker = NewPicker(100, pieceLength: 32 * 1024, maxInFlight: 4 * 32 * 1024);
        var peer = new FakePeer(All(100));
        picker.AddPeer(peer.Have);
        var picks = new BlockRequest[1000];
        int n = picker.Pick(peer, picks);
        Assert.Equal(8, n); // 4 pieces × 2 blocks
        Assert.Equal(4 * 32 * 1024, picker.InFlightBytes);
    }

    [Fact]
    public void Released_blocks_are_requested_again()
    {
        var picker = NewPicker(2);
        var peer = new FakePeer(All(2));
        picker.AddPeer(peer.Have);
        var picks = new BlockRequest[1];
        picker.Pick(peer, picks);
        picker.Release(picks[0].Piece, picks[0].Begin);
        var again = new BlockRequest[1];
        picker.Pick(peer, again);
        Assert.Equal(picks[0], again[0]);
    }

    [Fact]
    public void Endgame_duplicates_outstanding_blocks_to_other_peers_only()
    {
        var picker = NewPicker(2);
        var a = new FakePeer(All(2));
        var b = new FakePeer(All(2));
        picker.AddPeer(a.Have);
        picker.AddPeer(b.Have);
        var all = new BlockRequest[10];
        int n = picker.Pick(a, all);
        Assert.Equal(4, n);
        foreach (var r in all[..n]) a.Requested.Add((r.Piece, r.Begin));
        Assert.True(picker.InEndgame);
        Assert.Equal(0, picker.Pick(a, new BlockRequest[10]));
        var dup = new BlockRequest[10];
        Assert.Equal(4, picker.Pick(b, dup));
        // The first copy to arrive wins; the duplicate is unwanted.
        var block = dup[0];
        Assert.True(Deliver(picker, b, block.Piece, block.Begin, block.Length, out _));
        Assert.False(Deliver(picker, a, block.Piece, block.Begin, block.Length, out _));
    }

    [Fact]
    public void Completed_piece_is_handed_over_once_and_failed_piece_is_retried()
    {
        var picker = NewPicker(3);
        var peer = new FakePeer(All(3));
        picker.AddPeer(peer.Have);
        var picks = new BlockRequest[2];
        Assert.Equal(2, picker.Pick(peer, picks));
        Assert.True(Deliver(picker, peer, picks[0].Piece, picks[0].Begin, picks[0].Length, out var none));
        Assert.Null(none);
        Assert.True(Deliver(picker, peer, picks[1].Piece, picks[1].Begin, picks[1].Length, out var done));
        Assert.NotNull(done);
        Assert.Contains(peer, done!.Contributors);
        Assert.Same(peer, done.SenderOf(1));
        picker.Failed(done.Index);
        Assert.False(picker.Have[done.Index]);
        Assert.Equal(0, picker.InFlightBytes);
        // The piece is free again and can be picked.
        var all = new BlockRequest[100];
        int n = picker.Pick(peer, all);
        Assert.Contains(all[..n], r => r.Piece == done.Index);
    }

    [Fact]
    public void Downloads_whole_torrent_and_rejects_malformed_blocks()
    {
        var picker = NewPicker(5);
        var peer = new FakePeer(All(5));
        picker.AddPeer(peer.Have);
        Assert.False(Deliver(picker, peer, 99, 0, 16384, out _));
        var picks = new BlockRequest[100];
        int n = picker.Pick(peer, picks);
        Assert.False(Deliver(picker, peer, picks[0].Piece, 100, 16384, out _));
        Assert.False(Deliver(picker, peer, picks[0].Piece, 0, 5, out _));
        Complete(picker, peer, picks, picks.AsSpan(0, n));
        Assert.True(picker.IsComplete);
        Assert.Equal(0, picker.InFlightBytes);
        Assert.False(picker.InEndgame);
    }

    /// <summary>
    /// Regression: a seed's bitfield was applied in piece-index order, which sorted the rarest bucket by index, so every
    /// leecher asked the seeder for the same pieces in the same order and the swarm traded almost nothing.
    /// </summary>
    [Fact]
    public void Leechers_with_different_seeds_start_on_different_pieces_after_a_seed_bitfield()
    {
        const int pieces = 200;
        // Nearly everything but not a seed (seeds are counted apart): its bitfield goes through the per-piece path.
        var seed = All(pieces);
        seed[pieces - 1] = false;
        var first = new List<int>[2];
        for (int leecher = 0; leecher < 2; leecher++)
        {
            var info = SwarmTestData.SingleFile(new byte[pieces * 16 * 1024], 16 * 1024);
            // Past the random first pieces: from here on the order is rarest-first.
            var picker = new PiecePicker(info, Pieces(pieces, 0, 1, 2, 3), 64L << 20, new Random(1000 + leecher));
            picker.AddPeer(seed);
            var peer = new FakePeer(seed);
            var picks = new BlockRequest[30];
            int n = picker.Pick(peer, picks);
            first[leecher] = [.. picks[..n].Select(r => r.Piece)];
        }
        int common = first[0].Intersect(first[1]).Count();
        Assert.True(common < 15, $"{common} of 30 first pieces are the same for both leechers");
    }
    [Fact]
    public void A_web_seed_gets_the_blocks_of_one_piece_preferring_pieces_no_peer_has_and_never_endgame_duplicates()
    {
        var picker = NewPicker(4);
        var peer = new FakePeer(Pieces(4, 0, 1, 2));
        picker.AddPeer(peer.Have);
        var web = new FakePeer(All(4));
        var picks = new BlockRequest[8];

        // Piece 3 is the one no peer has: the web seed's first, and only its two blocks although there is room for eight.
        int n = picker.PickPiece(web, picks);
        Assert.Equal([(3, 0), (3, 16 * 1024)], picks[..n].Select(r => (r.Piece, r.Begin)));

        // A peer's partly requested piece comes before a new one: its remaining blocks, nothing of another piece.
        var peerPicks = new BlockRequest[1];
        Assert.Equal(1, picker.Pick(peer, peerPicks));
        n = picker.PickPiece(web, picks);
        Assert.Equal(1, n);
        Assert.Equal(peerPicks[0].Piece, picks[0].Piece);
        Assert.NotEqual(peerPicks[0].Begin, picks[0].Begin);

        // Take everything else; then, in endgame, a peer is offered duplicates but the web seed is not.
        while (picker.PickPiece(web, picks) > 0) { }
        Assert.True(picker.InEndgame);
        Assert.Equal(0, picker.PickPiece(web, picks));
        Assert.True(picker.Pick(peer, picks) > 0);
    }
}
