namespace Shoal.Tests.Support.Reference;

/// <summary>
/// A tiny shell script that a program runs when its download completes (aria2's --on-bt-download-complete,
/// Transmission's -f), and the marker file the script creates.
/// </summary>
public sealed class CompletionMarker
{
    public CompletionMarker(string directory, string name = "complete")
    {
        MarkerPath = Path.Combine(directory, name + ".marker");
        ScriptPath = Path.Combine(directory, name + ".sh");
        // The program passes its own arguments (aria2: GID, file count, path); keep them for failure messages.
        File.WriteAllText(ScriptPath, $"#!/bin/sh\necho \"$@\" > '{MarkerPath}.tmp' && mv '{MarkerPath}.tmp' '{MarkerPath}'\n");
        UnixModes.MakeExecutableByAll(ScriptPath);
    }

    public string ScriptPath { get; }

    public string MarkerPath { get; }

    public bool IsSet => File.Exists(MarkerPath);
}
