using System.Buffers;
using Shoal.Metainfo;

namespace Shoal.Wire;

/// <summary>
/// BEP 52 'hashes' (22): the request it answers, then the base hashes and the uncle hashes (lowest first). The hash count
/// must be exactly what the request implies; a peer that sends another number is broken or lying.
/// </summary>
public static class HashesMessage
{
    /// <summary>Longest 'hashes' body after the id: the largest request answered with a proof up the tallest tree.</summary>
    public const int MaxPayloadLength = HashRequest.EncodedLength + (HashRequest.MaxLength + HashRequest.MaxLayer) * Merkle.HashSize;

    /// <summary>
    /// Splits a 'hashes' payload (after the id) into its request and hashes. Throws <see cref="WireProtocolException"/>
    /// when the header is not well formed or the hash count does not match it. <paramref name="hashes"/> points into
    /// <paramref name="payload"/> unless the hashes span buffer segments, when they are copied to <paramref name="scratch"/>.
    /// </summary>
    public static HashRequest Read(ReadOnlySequence<byte> payload, Span<byte> scratch, out ReadOnlySpan<byte> hashes)
    {
        var request = HashRequest.Read(payload);
        if (!request.IsWellFormed) throw new WireProtocolException($"hashes message with an ill-formed header ({request})");
        long expected = (long)request.AnswerHashCount * Merkle.HashSize;
        var body = payload.Slice(HashRequest.EncodedLength);
        if (body.Length != expected)
            throw new WireProtocolException($"hashes message carries {body.Length / Merkle.HashSize} hashes where its header means {request.AnswerHashCount}");
        if (body.IsSingleSegment)
        {
            hashes = body.FirstSpan;
        }
        else
        {
            if (scratch.Length < expected) throw new ArgumentException($"room for {expected} bytes needed", nameof(scratch));
            body.CopyTo(scratch);
            hashes = scratch[..(int)expected];
        }
        return request;
    }
}
