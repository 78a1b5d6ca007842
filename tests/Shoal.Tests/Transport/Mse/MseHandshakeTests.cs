using System.Security.Cryptography;
using Shoal.Transport.Mse;
using static Shoal.Tests.Transport.Mse.MseTestPeers;

namespace Shoal.Tests.Transport.Mse;

public sealed class MseHandshakeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly byte[] BitTorrentHandshake = [19, .. "BitTorrent protocol"u8, .. new byte[48]];

    [Fact]
    public async Task Both_sides_agree_and_carry_the_initial_payload_and_data_both_ways_over_rc4()
    {
        var (initiator, responder, a, b) = await HandshakeAsync(EncryptionPolicy.Prefer, EncryptionPolicy.Require, BitTorrentHandshake);

        Assert.Equal(MseCryptoMethods.Rc4, initiator.Method);
        Assert.Equal(MseCryptoMethods.Rc4, responder.Method);
        Assert.Equal(Torrent, responder.InfoHash);
        Assert.Equal(BitTorrentHandshake, responder.InitialPayload.ToArray());
        Assert.IsType<EncryptedStream>(initiator.Stream);

        var toResponder = RandomNumberGenerator.GetBytes(100_000);
        var toInitiator = RandomNumberGenerator.GetBytes(70_000);
        // Both directions at once, as a connection does (each write blocks until the other side reads).
        var atResponder = ReadAsync(responder.Stream, toResponder.Length);
        var atInitiator = ReadAsync(initiator.Stream, toInitiator.Length);
        await Task.WhenAll(initiator.Stream.WriteAsync(toResponder, Ct).AsTask(), responder.Stream.WriteAsync(toInitiator, Ct).AsTask());
        Assert.Equal(toResponder, await atResponder);
        Assert.Equal(toInitiator, await atInitiator);

        // On the wire neither the initial payload nor the data appear in clear.
        Assert.Equal(-1, a.Written.AsSpan().IndexOf("BitTorrent protocol"u8));
        Assert.Equal(-1, a.Written.AsSpan().IndexOf(toResponder.AsSpan(0, 64)));
        Assert.Equal(-1, b.Written.AsSpan().IndexOf(toInitiator.AsSpan(0, 64)));
    }

    [Fact]
    public async Task Plaintext_selected_leaves_the_stream_in_clear_after_the_handshake()
    {
        var (initiator, responder, a, _) = await HandshakeAsync(EncryptionPolicy.Allow, EncryptionPolicy.Allow, BitTorrentHandshake);
        Assert.Equal(MseCryptoMethods.Plaintext, initiator.Method);
        Assert.Equal(MseCryptoMethods.Plaintext, responder.Method);
        Assert.Equal(BitTorrentHandshake, responder.InitialPayload.ToArray()); // IA is always RC4, whatever is selected
        Assert.Equal(-1, a.Written.AsSpan().IndexOf("BitTorrent protocol"u8));

        var data = "interested, unchoke, request"u8.ToArray();
        await initiator.Stream.WriteAsync(data, Ct);
        Assert.Equal(data, await ReadAsync(responder.Stream, data.Length));
        Assert.True(a.Written.AsSpan().EndsWith(data));
    }

    public static TheoryData<EncryptionPolicy, EncryptionPolicy, MseCryptoMethods> PolicyMatrix => new()
    {
        // initiator, responder, outcome (None: the handshake fails)
        // Prefer is libtorrent's default: both offered, plaintext chosen after the handshake unless a side insists on RC4.
        { EncryptionPolicy.Prefer, EncryptionPolicy.Prefer, MseCryptoMethods.Plaintext },
        { EncryptionPolicy.Prefer, EncryptionPolicy.Require, MseCryptoMethods.Rc4 },
        { EncryptionPolicy.Prefer, EncryptionPolicy.Allow, MseCryptoMethods.Plaintext },
        { EncryptionPolicy.Prefer, EncryptionPolicy.Off, MseCryptoMethods.None },
        { EncryptionPolicy.Require, EncryptionPolicy.Prefer, MseCryptoMethods.Rc4 },
        { EncryptionPolicy.Require, EncryptionPolicy.Require, MseCryptoMethods.Rc4 },
        { EncryptionPolicy.Require, EncryptionPolicy.Allow, MseCryptoMethods.Rc4 },
        { EncryptionPolicy.Require, EncryptionPolicy.Off, MseCryptoMethods.None },
        { EncryptionPolicy.Allow, EncryptionPolicy.Prefer, MseCryptoMethods.Plaintext },
        { EncryptionPolicy.Allow, EncryptionPolicy.Require, MseCryptoMethods.Rc4 },
        { EncryptionPolicy.Allow, EncryptionPolicy.Allow, MseCryptoMethods.Plaintext },
        { EncryptionPolicy.Allow, EncryptionPolicy.Off, MseCryptoMethods.None },
    };

    [Theory]
    [MemberData(nameof(PolicyMatrix))]
    public async Task Every_policy_pair_selects_what_libtorrent_would(EncryptionPolicy initiator, EncryptionPolicy responder, MseCryptoMethods expected)
    {
        if (expected == MseCryptoMethods.None)
        {
            var error = await Assert.ThrowsAsync<MseHandshakeException>(() => HandshakeAsync(initiator, responder, BitTorrentHandshake));
            Assert.Contains("closed", error.Message + (error.InnerException?.Message ?? ""), StringComparison.Ordinal);
            return;
        }
        var (a, b, _, _) = await HandshakeAsync(initiator, responder, BitTorrentHandshake);
        Assert.Equal(expected, a.Method);
        Assert.Equal(expected, b.Method);
    }

    [Fact]
    public async Task An_initiator_with_encryption_off_makes_no_handshake()
    {
        var (a, _) = DuplexPipe.Create();
        await Assert.ThrowsAsync<ArgumentException>(() => MseHandshake.InitiateAsync(a, Torrent, EncryptionPolicy.Off, BitTorrentHandshake, Ct));
    }

    [Fact]
    public async Task Policy_rules_for_plaintext_and_outgoing_attempts()
    {
        Assert.Equal([true, false], EncryptionPolicy.Prefer.OutgoingAttemptsEncrypted());
        Assert.Equal([true], EncryptionPolicy.Require.OutgoingAttemptsEncrypted());
        Assert.Equal([false, true], EncryptionPolicy.Allow.OutgoingAttemptsEncrypted());
        Assert.Equal([false], EncryptionPolicy.Off.OutgoingAttemptsEncrypted());
        Assert.False(EncryptionPolicy.Require.AcceptsPlaintextIncoming());
        Assert.True(EncryptionPolicy.Prefer.AcceptsPlaintextIncoming());
        Assert.False(EncryptionPolicy.Off.AcceptsEncryptedIncoming());
        Assert.True(EncryptionPolicyRules.TryParse("required", out var p) && p == EncryptionPolicy.Require);
        Assert.True(EncryptionPolicyRules.TryParse("tolerated", out p) && p == EncryptionPolicy.Allow);
        Assert.False(EncryptionPolicyRules.TryParse("sometimes", out _));
        Assert.Equal("preferred", EncryptionPolicy.Prefer.ToTransmissionName());
        await Task.CompletedTask;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(97)]
    public async Task Longest_pads_and_initial_payload_arriving_in_small_pieces_still_work(int readChunk)
    {
        var options = new MseOptions { PadLength = MseHandshake.MaxPadLength };
        var ia = RandomNumberGenerator.GetBytes(MseHandshake.MaxInitialPayload);
        var (initiator, responder, _, _) = await HandshakeAsync(EncryptionPolicy.Prefer, EncryptionPolicy.Prefer, ia, readChunk, options, options);
        Assert.Equal(ia, responder.InitialPayload.ToArray());
        var data = RandomNumberGenerator.GetBytes(3000);
        await responder.Stream.WriteAsync(data, Ct);
        Assert.Equal(data, await ReadAsync(initiator.Stream, data.Length));
    }

    [Fact]
    public async Task Random_pads_chunking_payloads_and_policies_always_agree()
    {
        var random = new Random(1234);
        EncryptionPolicy[] policies = [EncryptionPolicy.Prefer, EncryptionPolicy.Require, EncryptionPolicy.Allow];
        for (int round = 0; round < 40; round++)
        {
            var ia = new byte[random.Next(0, 200)];
            random.NextBytes(ia);
            var initiatorOptions = new MseOptions { InsecureRandom = new Random(random.Next()) };
            var responderOptions = new MseOptions { InsecureRandom = new Random(random.Next()) };
            var (a, b, _, _) = await HandshakeAsync(policies[random.Next(3)], policies[random.Next(3)], ia, random.Next(1, 700),
                initiatorOptions, responderOptions);
            Assert.Equal(ia, b.InitialPayload.ToArray());
            Assert.Equal(a.Method, b.Method);
            var data = new byte[random.Next(1, 5000)];
            random.NextBytes(data);
            await b.Stream.WriteAsync(data, Ct);
            Assert.Equal(data, await ReadAsync(a.Stream, data.Length));
        }
    }

    [Fact]
    public async Task Plaintext_bittorrent_handshake_is_told_apart_from_an_encrypted_one()
    {
        Assert.False(MseHandshake.LooksEncrypted(BitTorrentHandshake));
        Assert.False(MseHandshake.LooksEncrypted(BitTorrentHandshake.AsSpan(0, 5)));
        Assert.True(MseHandshake.LooksEncrypted([19, (byte)'B', (byte)'x']));
        Assert.True(MseHandshake.LooksEncrypted(RandomNumberGenerator.GetBytes(96).Prepend((byte)0).ToArray()));
        await Task.CompletedTask;
    }

    [Fact]
    public async Task The_index_finds_each_of_many_torrents_and_forgets_removed_ones()
    {
        var hashes = Enumerable.Range(0, 50).Select(i => new Shoal.Metainfo.InfoHash(SHA1.HashData([(byte)i]))).ToArray();
        var index = IndexOf(hashes);
        var (a, b) = DuplexPipe.Create();
        var initiate = MseHandshake.InitiateAsync(a, hashes[37], EncryptionPolicy.Require, BitTorrentHandshake, Ct);
        var respond = RespondAfterSniffingAsync(b, index, EncryptionPolicy.Require, Ct);
        await Task.WhenAll(initiate, respond);
        Assert.Equal(hashes[37], (await respond).InfoHash);

        index.Remove(hashes[37]);
        Assert.Equal(49, index.Count);
        var (c, d) = DuplexPipe.Create();
        var again = MseHandshake.InitiateAsync(c, hashes[37], EncryptionPolicy.Require, BitTorrentHandshake, Ct);
        var refused = await Assert.ThrowsAsync<MseHandshakeException>(() => RespondAfterSniffingAsync(d, index, EncryptionPolicy.Require, Ct));
        Assert.Contains("torrent we do not serve", refused.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<MseHandshakeException>(() => again);
    }

    internal static async Task<byte[]> ReadAsync(Stream stream, int count)
    {
        var buffer = new byte[count];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await stream.ReadExactlyAsync(buffer, timeout.Token);
        return buffer;
    }
}
