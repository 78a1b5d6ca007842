using Shoal.Storage;
using Shoal.Swarm;

namespace Shoal.Tests.Swarm;

/// <summary>The picker under a <see cref="FileSelection"/>: which pieces it starts, in what order, and when it is done.</summary>
public sealed class FileSelectionPickerTests
{
    private const int PieceLength = 16 * 1024;

    private sealed class Peer(Bitfield have) : IPickerPeer
    {
        public Bitfield Have { get; } = have;
        public bool HasRequested(int piece, int begin) => false;
    }

    // Ten pieces; f0 = pieces 0–2 (ends inside piece 2), f1 = pieces 2–6 (inside both ends), f2 = pieces 6–9.
    private static readonly long[] Files = [2 * PieceLength + 100, 4 * PieceLength, 4 * PieceLength - 100 - 5];
    private static readonly Shoal.Metainfo.TorrentInfo Info = SwarmTestData.MultiFile(new byte[Files.Sum()], PieceLength, Files);

    private static Bitfield Full()
    {
        var bits = new Bitfield(Info.PieceCount);
        bits.SetAll();
        return bits;
    }

    private static PiecePicker Picker(FileSelection? selection, Bitfield? have = null)
    {
        var picker = new PiecePicker(Info, have ?? new Bitfield(Info.PieceCount), 64L << 20, new Random(5));
        picker.Policy = selection;
        return picker;
    }

    private static FileSelection Select(params FilePriority[] priorities) => new(Info, priorities);

    /// <summary>The pieces started, in order, when one seed is asked for one block at a time (each block a new piece).</summary>
    private static List<int> StartOrder(PiecePicker picker, Peer peer)
    {
        var order = new List<int>();
        var pick = new BlockRequest[1];
        // A piece is one block: each pick starts a new piece (the previous one is fully requested).
        // Endgame would hand out duplicates of blocks already out: the start order ends there.
        while (!picker.InEndgame && picker.Pick(peer, pick) == 1 && !order.Contains(pick[0].Piece)) order.Add(pick[0].Piece);
        return order;
    }

    [Fact]
    public void Pieces_of_a_skipped_file_are_never_started_but_the_pieces_it_shares_are()
    {
        var picker = Picker(Select(FilePriority.Normal, FilePriority.Skip, FilePriority.Normal));
        var seed = new Peer(Full());
        picker.AddPeer(seed.Have);
        var started = StartOrder(picker, seed).Order().ToList();
        // 3, 4 and 5 lie wholly inside the skipped file; 2 and 6 hold bytes of wanted files too.
        Assert.Equal([0, 1, 2, 6, 7, 8, 9], started);
        Assert.False(picker.IsWanted(4));
        Assert.True(picker.IsWanted(2));
    }

    [Fact]
    public void A_torrent_with_skipped_files_is_finished_when_its_wanted_pieces_verified()
    {
        var picker = Picker(Select(FilePriority.Skip, FilePriority.Skip, FilePriority.Normal));
        Assert.Equal(4, picker.MissingWanted);
        foreach (int piece in new[] { 6, 7, 8 }) Verify(picker, piece);
        Assert.False(picker.IsFinished);
        Assert.False(picker.InEndgame);
        Verify(picker, 9);
        Assert.True(picker.IsFinished);
        Assert.False(picker.IsComplete);
        Assert.False(picker.IsInteresting(Full()), "a finished torrent is not interested in a seed");
    }

    [Fact]
    public void Higher_priority_pieces_start_first_and_rarity_orders_the_rest_of_a_class()
    {
        var picker = Picker(Select(FilePriority.Low, FilePriority.Normal, FilePriority.High));
        var seed = new Peer(Full());
        // Piece 8 is the rarest of the high file's: only the seed has the others... and one more peer has 6, 7 and 9.
        var other = new Bitfield(Info.PieceCount);
        foreach (int p in new[] { 6, 7, 9 }) other[p] = true;
        picker.AddPeer(seed.Have);
        picker.AddPeer(other);
        var order = StartOrder(picker, seed);
        Assert.Equal(10, order.Count);
        Assert.Equal(8, order[0]);
        Assert.Equal([6, 7, 8, 9], order[..4].Order());
        // Normal next (piece 2 holds low and normal bytes: it takes the normal file's rank), low last.
        Assert.Equal([2, 3, 4, 5], order[4..8].Order());
        Assert.Equal([0, 1], order[8..].Order());
    }

    [Fact]
    public void A_sequential_download_starts_pieces_in_index_order()
    {
        var picker = Picker(FileSelection.All(Info, sequential: true));
        var seed = new Peer(Full());
        picker.AddPeer(seed.Have);
        Assert.Equal(Enumerable.Range(0, 10), StartOrder(picker, seed));
    }

    [Fact]
    public void First_and_last_pieces_of_each_wanted_file_come_before_the_middle()
    {
        var picker = Picker(new FileSelection(Info, [FilePriority.Normal, FilePriority.Skip, FilePriority.Normal], sequential: true,
            firstAndLastFirst: true));
        var seed = new Peer(Full());
        picker.AddPeer(seed.Have);
        // Edges of f0 (0, 2) and f2 (6, 9) in index order, then the middles in order.
        Assert.Equal([0, 2, 6, 9, 1, 7, 8], StartOrder(picker, seed));
    }

    [Fact]
    public void A_sequential_download_takes_the_next_piece_a_peer_has_when_it_lacks_the_first()
    {
        var picker = Picker(FileSelection.All(Info, sequential: true));
        var partial = new Bitfield(Info.PieceCount);
        foreach (int p in new[] { 3, 5, 8 }) partial[p] = true;
        var peer = new Peer(partial);
        picker.AddPeer(partial);
        Assert.Equal([3, 5, 8], StartOrder(picker, peer));
    }

    [Fact]
    public void Wanting_a_file_later_makes_its_pieces_free_and_the_torrent_unfinished()
    {
        var picker = Picker(Select(FilePriority.Normal, FilePriority.Skip, FilePriority.Skip));
        var seed = new Peer(Full());
        picker.AddPeer(seed.Have);
        foreach (int piece in StartOrder(picker, seed)) Complete(picker, seed, piece);
        Assert.True(picker.IsFinished);
        Assert.Equal(3, picker.Have.SetCount);

        picker.Policy = Select(FilePriority.Normal, FilePriority.Normal, FilePriority.Skip);
        Assert.False(picker.IsFinished);
        Assert.Equal(4, picker.MissingWanted); // 3, 4, 5, 6 (2 is had)
        Assert.Equal([3, 4, 5, 6], StartOrder(picker, seed).Order());
    }

    [Fact]
    public void Unwanting_a_file_mid_download_stops_new_pieces_of_it_and_lets_started_ones_finish()
    {
        var picker = Picker(FileSelection.All(Info, sequential: true));
        var seed = new Peer(Full());
        picker.AddPeer(seed.Have);
        var pick = new BlockRequest[1];
        Assert.Equal(1, picker.Pick(seed, pick));
        Assert.Equal(0, pick[0].Piece);

        picker.Policy = new FileSelection(Info, [FilePriority.Skip, FilePriority.Skip, FilePriority.Normal], sequential: true);
        Assert.NotNull(picker.Active(0)); // started: its block is out, and it may still arrive and verify
        Assert.Equal([6, 7, 8, 9], StartOrder(picker, seed));
        Complete(picker, seed, 0);
        Assert.True(picker.Have[0]);
        Assert.Equal(4, picker.MissingWanted);
    }

    [Fact]
    public void Endgame_starts_once_every_wanted_block_is_requested()
    {
        var picker = Picker(Select(FilePriority.Skip, FilePriority.Skip, FilePriority.Normal));
        var seed = new Peer(Full());
        picker.AddPeer(seed.Have);
        Assert.Equal([6, 7, 8, 9], StartOrder(picker, seed).Order());
        Assert.True(picker.InEndgame, "the free pieces of the skipped files must not hold endgame back");
    }

    [Fact]
    public void A_failed_piece_is_free_again_only_if_still_wanted()
    {
        var picker = Picker(FileSelection.All(Info, sequential: true));
        var seed = new Peer(Full());
        picker.AddPeer(seed.Have);
        var pick = new BlockRequest[1];
        picker.Pick(seed, pick);
        picker.Pick(seed, pick);
        Assert.Equal(1, pick[0].Piece);
        picker.Policy = new FileSelection(Info, [FilePriority.Normal, FilePriority.Skip, FilePriority.Skip], sequential: true);
        Deliver(picker, seed, 0).Failed(0);
        picker.Policy = new FileSelection(Info, [FilePriority.Skip, FilePriority.Normal, FilePriority.Skip], sequential: true);
        Deliver(picker, seed, 1).Failed(1);
        // 0 failed while wanted, but is not wanted now (f0 only); 1 failed while unwanted. Neither is started for f1.
        Assert.Equal([2, 3, 4, 5, 6], StartOrder(picker, seed));
        // Wanted again, both come back (2–6 are still out).
        picker.Policy = FileSelection.All(Info, sequential: true);
        Assert.Equal([0, 1, 7, 8, 9], StartOrder(picker, seed));
    }

    private static PiecePicker Deliver(PiecePicker picker, Peer peer, int piece)
    {
        var download = picker.Claim(peer, piece, 0, Info.PieceSize(piece))!;
        Assert.True(download.CompleteBlock());
        return picker;
    }

    private static void Complete(PiecePicker picker, Peer peer, int piece)
    {
        Deliver(picker, peer, piece);
        picker.Verified(piece);
    }

    private static void Verify(PiecePicker picker, int piece)
    {
        var seed = new Peer(Full());
        var pick = new BlockRequest[1];
        // Start exactly this piece: other wanted pieces are not offered by this peer.
        var only = new Bitfield(Info.PieceCount) { [piece] = true };
        picker.AddPeer(only);
        Assert.Equal(1, picker.Pick(new Peer(only), pick));
        Assert.Equal(piece, pick[0].Piece);
        Complete(picker, seed, piece);
        picker.RemovePeer(only);
    }
}
