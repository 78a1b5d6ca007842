using Shoal.Metainfo;
using Shoal.Storage;

namespace Shoal.Cli.Output;

/// <summary>Prints a torrent's files as a tree (folders first in the order they appear), with sizes.</summary>
public static class FileTreeWriter
{
    private sealed class Node(string name)
    {
        public string Name { get; } = name;
        public long? Length { get; set; }
        public List<Node> Children { get; } = [];
        public Dictionary<string, Node> ByName { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>Writes <paramref name="info"/>'s files under its name; BEP 47 padding files are left out.</summary>
    public static void Write(TextWriter output, TorrentInfo info)
    {
        if (!info.IsMultiFile)
        {
            output.WriteLine($"{TerminalText.Safe(info.Name)}  ({ByteSize.Format(info.DataLength)})");
            return;
        }
        var root = new Node(info.Name);
        foreach (var file in info.Files)
        {
            if (file.IsPadding) continue;
            var node = root;
            foreach (var segment in file.PathSegments)
            {
                if (!node.ByName.TryGetValue(segment, out var child))
                {
                    child = new Node(segment);
                    node.ByName.Add(segment, child);
                    node.Children.Add(child);
                }
                node = child;
            }
            node.Length = file.Length;
        }
        output.WriteLine($"{TerminalText.Safe(root.Name)}/");
        WriteChildren(output, root, "");
    }

    private static void WriteChildren(TextWriter output, Node folder, string indent)
    {
        for (int i = 0; i < folder.Children.Count; i++)
        {
            var child = folder.Children[i];
            bool last = i == folder.Children.Count - 1;
            string name = TerminalText.Safe(child.Name);
            output.WriteLine(child.Length is { } length && child.Children.Count == 0
                ? $"{indent}{(last ? "└── " : "├── ")}{name}  ({ByteSize.Format(length)})"
                : $"{indent}{(last ? "└── " : "├── ")}{name}/");
            if (child.Children.Count > 0) WriteChildren(output, child, indent + (last ? "    " : "│   "));
        }
    }
}
