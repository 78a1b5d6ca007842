using System.Diagnostics;

namespace Shoal.Harness;

/// <summary>
/// Makes the `shoal` kind run the build a user installs (the README's `dotnet pack --ucr`: ReadyToRun) rather than the
/// plain IL build, whose first seconds are spent JIT-compiling. Published once per harness run into a temp folder.
/// </summary>
internal static class ShoalBuild
{
    public static async Task<string> PublishReadyToRunAsync(TextWriter log, CancellationToken ct)
    {
        string project = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../src/Shoal.Cli/Shoal.Cli.csproj"));
        if (!File.Exists(project)) throw new HarnessUsageException($"cannot find the CLI project at {project}");
        string output = Directory.CreateTempSubdirectory("shoal-harness-cli-").FullName;
        log.WriteLine($"publishing the Shoal CLI (ReadyToRun) into {output} ...");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList = { "publish", project, "-c", "Release", "-r", "linux-x64", "--self-contained", "false", "-o", output, "--nologo" },
        };
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start dotnet publish");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0) throw new InvalidOperationException($"dotnet publish failed:\n{await stdout}{await stderr}");
        return Path.Combine(output, "Shoal.Cli.dll");
    }
}
