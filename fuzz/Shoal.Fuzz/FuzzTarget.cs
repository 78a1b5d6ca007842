namespace Shoal.Fuzz;

/// <summary>
/// One parser under test. <see cref="Run"/> feeds it arbitrary bytes and swallows exactly the exception(s) the parser
/// documents; anything else that escapes (another exception type, an <see cref="InvariantViolation"/>) is a crash.
/// </summary>
internal abstract class FuzzTarget
{
    /// <summary>The name given on the command line and used for fuzz/corpus/NAME and fuzz/dict/NAME.dict.</summary>
    public abstract string Name { get; }

    /// <summary>One line: what is parsed and what the contract is.</summary>
    public abstract string Description { get; }

    /// <summary>Runs the parser(s); true when the input was accepted (replay reports it, to judge a corpus).</summary>
    public abstract bool Run(byte[] data);
}

/// <summary>A parser accepted input but broke a property every accepted input must have (e.g. round-tripping).</summary>
internal sealed class InvariantViolation(string message) : Exception(message);
