namespace Shoal.Bencoding;

public enum BencodeTokenType : byte
{
    /// <summary>No more input.</summary>
    None,
    Integer,
    String,
    ListStart,
    DictionaryStart,
    /// <summary>The 'e' that closes a list or dictionary.</summary>
    End,
}
