namespace Shoal.Fuzz.Targets;

/// <summary>
/// Proves the pipeline can fail: any input whose first byte is 0xFF is a crash, so a run of this target must report
/// one (afl-fuzz finds it within seconds). Used by the smoke test and by fuzz/run.sh's self-check; it tests no Shoal code.
/// </summary>
internal sealed class CanaryTarget : FuzzTarget
{
    public override string Name => "canary";

    public override string Description => "self-check of the fuzzing pipeline: crashes on inputs starting with 0xFF";

    public override bool Run(byte[] data)
    {
        if (data.Length > 0 && data[0] == 0xFF) throw new InvariantViolation("canary: input starts with 0xFF");
        return true;
    }
}
