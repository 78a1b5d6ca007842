namespace Shoal.Wire;

/// <summary>Peer wire message ids: BEP 3, the fast extension (BEP 6), the extension protocol (BEP 10) and BEP 52's hash messages.</summary>
public enum MessageId : byte
{
    Choke = 0,
    Unchoke = 1,
    Interested = 2,
    NotInterested = 3,
    Have = 4,
    Bitfield = 5,
    Request = 6,
    Piece = 7,
    Cancel = 8,
    /// <summary>DHT port (BEP 5); accepted and ignored.</summary>
    Port = 9,
    SuggestPiece = 13,
    HaveAll = 14,
    HaveNone = 15,
    RejectRequest = 16,
    AllowedFast = 17,
    Extended = 20,
    /// <summary>BEP 52: ask for hashes of a file's merkle tree (<see cref="HashRequest"/>).</summary>
    HashRequest = 21,
    /// <summary>BEP 52: the hashes asked for, with their proof (<see cref="HashesMessage"/>).</summary>
    Hashes = 22,
    /// <summary>BEP 52: a hash request that will not be served (same payload as the request).</summary>
    HashReject = 23,
    /// <summary>Not on the wire: a zero-length message.</summary>
    KeepAlive = 255,
}
