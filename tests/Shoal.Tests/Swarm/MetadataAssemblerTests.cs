using System.Buffers;
using Shoal.Metainfo;
using Shoal.Swarm;
using Shoal.Wire;

namespace Shoal.Tests.Swarm;

public class MetadataAssemblerTests
{
    private sealed class Peer(string name)
    {
        public override string ToString() => name;
    }

    private static readonly byte[] Metadata = SwarmTestData.RandomBytes(40_000, seed: 5); // 3 pieces: 16384, 16384, 7232
    private static readonly InfoHash Hash = InfoHash.Compute(Metadata);

    private static ReadOnlySequence<byte> Piece(int index, byte[]? source = null)
    {
        source ??= Metadata;
        int start = index * MetadataMessage.PieceSize;
        return new ReadOnlySequence<byte>(source, start, MetadataMessage.PieceLength(index, source.Length));
    }

    [Fact]
    public void Pieces_from_several_peers_assemble_into_the_metadata()
    {
        var assembler = new MetadataAssembler<Peer>(Metadata.Length);
        Peer a = new("a"), b = new("b");
        Assert.True(assembler.TryAssign(a, 0, out int p0));
        Assert.True(assembler.TryAssign(b, 0, out int p1));
        Assert.True(assembler.TryAssign(a, 0, out int p2));
        Assert.Equal([0, 1, 2], new[] { p0, p1, p2 });
        Assert.Equal(2, assembler.OutstandingFor(a));
        Assert.Equal(MetadataAcceptOutcome.Accepted, assembler.Accept(a, 0, Metadata.Length, Piece(0)));
        Assert.Equal(MetadataAcceptOutcome.Accepted, assembler.Accept(a, 2, Metadata.Length, Piece(2)));
        Assert.Equal(MetadataAcceptOutcome.Completed, assembler.Accept(b, 1, Metadata.Length, Piece(1)));
        Assert.True(assembler.IsComplete);
        Assert.True(assembler.Matches(Hash));
        Assert.Equal(Metadata, assembler.Bytes.ToArray());
        Assert.Equal(2, assembler.Contributors.Count);
    }

    [Fact]
    public void Data_not_asked_of_that_peer_is_ignored()
    {
        var assembler = new MetadataAssembler<Peer>(Metadata.Length);
        Peer a = new("a"), b = new("b");
        assembler.TryAssign(a, 0, out _);
        Assert.Equal(MetadataAcceptOutcome.Unrequested, assembler.Accept(b, 0, Metadata.Length, Piece(0)));
        Assert.Equal(MetadataAcceptOutcome.Unrequested, assembler.Accept(a, 1, Metadata.Length, Piece(1)));
        Assert.Equal(MetadataAcceptOutcome.Unrequested, assembler.Accept(a, 99, Metadata.Length, Piece(1)));
        Assert.Equal(0, assembler.ReceivedBytes);
    }

    [Fact]
    public void Wrong_piece_length_or_total_size_is_invalid_and_stores_nothing()
    {
        var assembler = new MetadataAssembler<Peer>(Metadata.Length);
        var a = new Peer("a");
        assembler.TryAssign(a, 0, out _);
        assembler.TryAssign(a, 0, out _);
        assembler.TryAssign(a, 0, out _);
        Assert.Equal(MetadataAcceptOutcome.Invalid, assembler.Accept(a, 0, Metadata.Length, new ReadOnlySequence<byte>(new byte[100])));
        Assert.Equal(MetadataAcceptOutcome.Invalid, assembler.Accept(a, 2, Metadata.Length, Piece(0))); // last piece must be short
        Assert.Equal(MetadataAcceptOutcome.Invalid, assembler.Accept(a, 1, Metadata.Length + 1, Piece(1)));
        Assert.Equal(0, assembler.ReceivedBytes);
    }

    [Fact]
    public void A_released_piece_goes_to_another_peer()
    {
        var assembler = new MetadataAssembler<Peer>(MetadataMessage.PieceSize);
        Peer a = new("a"), b = new("b");
        Assert.True(assembler.TryAssign(a, 0, out _));
        assembler.Release(a, 0);
        Assert.True(assembler.TryAssign(b, 0, out int piece));
        Assert.Equal(0, piece);
    }

    [Fact]
    public void At_the_end_a_piece_may_be_asked_of_a_second_peer_but_no_more()
    {
        var assembler = new MetadataAssembler<Peer>(MetadataMessage.PieceSize);
        Peer a = new("a"), b = new("b"), c = new("c");
        Assert.True(assembler.TryAssign(a, 0, out _));
        Assert.False(assembler.TryAssign(a, 0, out _));
        Assert.True(assembler.TryAssign(b, 0, out _));
        Assert.False(assembler.TryAssign(c, 0, out _));
        var whole = new ReadOnlySequence<byte>(new byte[MetadataMessage.PieceSize]);
        Assert.Equal(MetadataAcceptOutcome.Completed, assembler.Accept(b, 0, MetadataMessage.PieceSize, whole));
        Assert.Equal(MetadataAcceptOutcome.Unrequested, assembler.Accept(a, 0, MetadataMessage.PieceSize, whole));
    }

    [Fact]
    public void Late_requests_name_their_peer_and_forgetting_a_peer_frees_its_pieces()
    {
        var assembler = new MetadataAssembler<Peer>(Metadata.Length);
        Peer a = new("a"), b = new("b");
        assembler.TryAssign(a, 10, out _);
        assembler.TryAssign(b, 50, out _);
        Assert.Equal([a], assembler.PeersLateSince(20));
        assembler.Forget(a);
        Assert.DoesNotContain(a, assembler.PeersLateSince(100));
        Assert.True(assembler.TryAssign(b, 60, out int piece));
        Assert.Equal(0, piece);
    }

    [Fact]
    public void Metadata_that_does_not_hash_to_the_info_hash_does_not_match()
    {
        var forged = (byte[])Metadata.Clone();
        forged[20_000] ^= 1;
        var assembler = new MetadataAssembler<Peer>(forged.Length);
        var a = new Peer("a");
        for (int i = 0; i < 3; i++)
        {
            assembler.TryAssign(a, 0, out int piece);
            assembler.Accept(a, piece, forged.Length, Piece(piece, forged));
        }
        Assert.True(assembler.IsComplete);
        Assert.False(assembler.Matches(Hash));
    }

    [Fact]
    public void Sizes_beyond_the_bound_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MetadataAssembler<Peer>(MetadataMessage.MaxMetadataSize + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MetadataAssembler<Peer>(0));
    }
}
