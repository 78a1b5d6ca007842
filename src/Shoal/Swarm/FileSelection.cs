using Shoal.Metainfo;

namespace Shoal.Swarm;

/// <summary>How much a file is wanted. <see cref="Skip"/>: not downloaded at all (its bytes in pieces shared with wanted
/// files are fetched, and kept out of it by storage).</summary>
public enum FilePriority
{
    Skip = 0,
    Low = 1,
    Normal = 2,
    High = 3,
}

/// <summary>
/// Which files to download and in what order, as a piece policy: a piece is wanted when any wanted file has bytes in it,
/// with the highest priority among those files. Pieces of higher priority start first; then, with
/// <see cref="FirstAndLastFirst"/>, each wanted file's first and last pieces (a media player reads a file's head and
/// often its index at the end before it plays); then, with <see cref="Sequential"/>, pieces in index order; otherwise
/// rarest first. Immutable: a new selection is a new object (<see cref="TorrentSession.SetPiecePolicy"/>).
/// </summary>
public sealed class FileSelection : IPiecePolicy
{
    private readonly FilePriority[] _files;
    private readonly byte[] _pieces;   // the highest priority of a wanted file in each piece (0 = unwanted)
    private readonly bool[]? _edges;   // first or last piece of a wanted file

    public FileSelection(TorrentInfo info, IReadOnlyList<FilePriority> priorities, bool sequential = false, bool firstAndLastFirst = false)
    {
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(priorities);
        if (priorities.Count != info.Files.Count)
            throw new ArgumentException($"{priorities.Count} priorities for a torrent of {info.Files.Count} files", nameof(priorities));
        Info = info;
        _files = [.. priorities];
        Sequential = sequential;
        FirstAndLastFirst = firstAndLastFirst;
        _pieces = new byte[info.PieceCount];
        if (firstAndLastFirst) _edges = new bool[info.PieceCount];
        long pieceLength = info.PieceLength;
        for (int i = 0; i < _files.Length; i++)
        {
            var file = info.Files[i];
            var priority = _files[i];
            if (!Enum.IsDefined(priority)) throw new ArgumentOutOfRangeException(nameof(priorities), priority, "not a file priority");
            // Padding is no one's data: it never makes a piece wanted.
            if (file.IsPadding || file.Length == 0 || priority == FilePriority.Skip) continue;
            int first = (int)(file.Offset / pieceLength), last = (int)((file.EndOffset - 1) / pieceLength);
            for (int piece = first; piece <= last; piece++) _pieces[piece] = Math.Max(_pieces[piece], (byte)priority);
            if (_edges is not null) _edges[first] = _edges[last] = true;
        }
    }

    /// <summary>Every file wanted at normal priority, in the given order.</summary>
    public static FileSelection All(TorrentInfo info, bool sequential = false, bool firstAndLastFirst = false) =>
        new(info, [.. Enumerable.Repeat(FilePriority.Normal, info?.Files.Count ?? 0)], sequential, firstAndLastFirst);

    public TorrentInfo Info { get; }

    /// <summary>One priority per file of the torrent.</summary>
    public IReadOnlyList<FilePriority> Priorities => _files;

    public bool Sequential { get; }

    public bool FirstAndLastFirst { get; }

    /// <summary>Whether file <paramref name="file"/> is downloaded (storage keeps the others off the disk).</summary>
    public bool WantsFile(int file) => _files[file] != FilePriority.Skip;

    /// <summary>Every file wanted: storage writes every byte to its file.</summary>
    public bool WantsEveryFile => Array.TrueForAll(_files, p => p != FilePriority.Skip);

    public bool IsWanted(int piece) => _pieces[piece] != 0;

    /// <summary>The piece's priority: the highest among the wanted files with bytes in it.</summary>
    public FilePriority PriorityOf(int piece) => (FilePriority)_pieces[piece];

    public int Compare(int a, int b)
    {
        int byPriority = _pieces[b].CompareTo(_pieces[a]);
        if (byPriority != 0) return byPriority;
        if (_edges is not null && _edges[a] != _edges[b]) return _edges[a] ? -1 : 1;
        return Sequential ? a.CompareTo(b) : 0;
    }

    /// <summary>The same order flags with other priorities.</summary>
    public FileSelection With(IReadOnlyList<FilePriority> priorities) => new(Info, priorities, Sequential, FirstAndLastFirst);

    /// <summary>The same priorities in another order.</summary>
    public FileSelection With(bool sequential, bool firstAndLastFirst) => new(Info, _files, sequential, firstAndLastFirst);
}
