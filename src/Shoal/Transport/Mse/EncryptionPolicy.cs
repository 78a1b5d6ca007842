namespace Shoal.Transport.Mse;

/// <summary>
/// Which connections use Message Stream Encryption (`--encryption`). The semantics follow libtorrent's
/// out_enc_policy / in_enc_policy / allowed_enc_level / prefer_rc4, and map onto Transmission RPC's `encryption`.
/// </summary>
public enum EncryptionPolicy
{
    /// <summary>
    /// The default, libtorrent's (out/in_enc_policy "enabled", allowed_enc_level "both", prefer_rc4 off): outgoing
    /// connections try the encrypted handshake first and fall back to plaintext; incoming accept both; offer RC4 and
    /// plaintext, and choose plaintext after the handshake when the other side offers both. The handshake is hidden
    /// either way; RC4 on every byte cost 2.6–3.2 more CPU-seconds per GiB on each side (bench/cpu-pair.sh), so it is used only with a
    /// peer that insists (or with <see cref="Require"/>).
    /// </summary>
    Prefer,

    /// <summary>
    /// Only encrypted connections (libtorrent's "forced" with RC4 only; Transmission's "required"): no plaintext
    /// BitTorrent handshake either way, and the stream after the MSE handshake is RC4.
    /// </summary>
    Require,

    /// <summary>
    /// Plaintext preferred (Transmission's "tolerated"): outgoing connections start plaintext and retry encrypted
    /// only if the peer drops that; incoming accept both; in an MSE handshake choose plaintext when offered.
    /// </summary>
    Allow,

    /// <summary>Never encrypted: plaintext BitTorrent only, an incoming MSE handshake is refused.</summary>
    Off,
}

/// <summary>crypto_provide / crypto_select bits of the MSE handshake.</summary>
[Flags]
public enum MseCryptoMethods : uint
{
    None = 0,

    /// <summary>Only the handshake is obfuscated; the stream after it is plaintext.</summary>
    Plaintext = 1,

    /// <summary>The stream after the handshake is RC4 (first 1,024 key-stream bytes dropped).</summary>
    Rc4 = 2,
}

/// <summary>How a connection is first attempted and what the handshake may offer and choose, for a policy.</summary>
public static class EncryptionPolicyRules
{
    /// <summary>The handshakes to try for an outgoing connection, in order (each a fresh connection).</summary>
    public static IReadOnlyList<bool> OutgoingAttemptsEncrypted(this EncryptionPolicy policy) => policy switch
    {
        EncryptionPolicy.Prefer => [true, false],
        EncryptionPolicy.Require => [true],
        EncryptionPolicy.Allow => [false, true],
        _ => [false],
    };

    /// <summary>Whether an incoming plaintext BitTorrent handshake is accepted.</summary>
    public static bool AcceptsPlaintextIncoming(this EncryptionPolicy policy) => policy != EncryptionPolicy.Require;

    /// <summary>Whether an incoming MSE handshake is answered.</summary>
    public static bool AcceptsEncryptedIncoming(this EncryptionPolicy policy) => policy != EncryptionPolicy.Off;

    /// <summary>What an initiator offers in crypto_provide.</summary>
    public static MseCryptoMethods Provides(this EncryptionPolicy policy) => policy switch
    {
        EncryptionPolicy.Require => MseCryptoMethods.Rc4,
        EncryptionPolicy.Off => MseCryptoMethods.None,
        _ => MseCryptoMethods.Rc4 | MseCryptoMethods.Plaintext,
    };

    /// <summary>What a responder picks from the initiator's crypto_provide; None when nothing acceptable was offered.</summary>
    public static MseCryptoMethods Select(this EncryptionPolicy policy, MseCryptoMethods offered)
    {
        var usable = offered & policy.Provides();
        if (usable == (MseCryptoMethods.Rc4 | MseCryptoMethods.Plaintext))
            return MseCryptoMethods.Plaintext;
        return usable;
    }

    /// <summary>Parses `prefer|require|allow|off` (and Transmission's `preferred|required|tolerated`).</summary>
    public static bool TryParse(string? text, out EncryptionPolicy policy)
    {
        policy = text?.Trim().ToLowerInvariant() switch
        {
            "prefer" or "preferred" => EncryptionPolicy.Prefer,
            "require" or "required" => EncryptionPolicy.Require,
            "allow" or "tolerated" => EncryptionPolicy.Allow,
            "off" => EncryptionPolicy.Off,
            _ => (EncryptionPolicy)(-1),
        };
        return Enum.IsDefined(policy);
    }

    /// <summary>Transmission RPC's name for the policy (`off` has none there and reads as tolerated).</summary>
    public static string ToTransmissionName(this EncryptionPolicy policy) => policy switch
    {
        EncryptionPolicy.Require => "required",
        EncryptionPolicy.Prefer => "preferred",
        _ => "tolerated",
    };
}
