using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Mbushja.Sms.Tests;

/// <summary>Customer input never throws: every text gets an interpretation, ok or with a stable code.</summary>
public sealed class NeverThrowsTests
{
    private static readonly string[] ShortCodes = ["50005", "50000", "50444", "50222", "50333", "50001", "12345", ""];

    private static readonly HashSet<string> Codes =
        ["UNKNOWN_SHORT_CODE", "UNKNOWN_COMMAND", "INVALID_NUMBER", "NOT_OPERATOR_NUMBER", "AMOUNT_OUT_OF_RANGE"];

    private static bool Sound(SmsInterpretation result) =>
        (result.Ok ? result.Command is { Targets.Count: > 0 } : Codes.Contains(result.Error!.Code)) && result.ToJson().Length > 0;

    [Property(MaxTest = 500)]
    public bool Interpret_AnyText_NeverThrows(string text) =>
        ShortCodes.All(code => Sound(Grammars.Interpreter.Interpret(code, Grammars.Sender, text)));

    [Property(MaxTest = 300)]
    public bool Interpret_AnySenderAndShortCode_NeverThrows(string shortCode, string from, string text) =>
        Sound(Grammars.Interpreter.Interpret(shortCode, from, text));

    /// <summary>Texts made of the grammar's own pieces reach deeper than random characters do.</summary>
    [Property(MaxTest = 500)]
    public Property Interpret_TextsOfGrammarPieces_NeverThrow() =>
        Prop.ForAll(
            Gen.ArrayOf(Gen.Elements("5", "2,50", "€", "EUR", "-5", "1e9", "049111222", "0491112225", "49111222", "044123456", "038111222",
                "FIX", "Fiks", "Int", "tv", "internet", "DuoTV", "ipko", "int", "TV", "abc", "shfrytëzuesi1", "#", " ", "  ", "\t", "🙂", "\u0000")).ToArbitrary(),
            pieces => ShortCodes.All(code => Sound(Grammars.Interpreter.Interpret(code, Grammars.Sender, string.Join(' ', pieces)))));

    [Theory]
    [InlineData(1000, "5")]
    [InlineData(1000, "#")]
    [InlineData(1000, "🙂")]
    [InlineData(1000, "\u0001")]
    [InlineData(200, "049111222 5 #")]
    public void Interpret_LongOrStrangeText_IsRefusedNotThrown(int times, string piece)
    {
        string text = string.Concat(Enumerable.Repeat(piece, times));

        foreach (string code in ShortCodes)
        {
            SmsInterpretation result = Grammars.Interpreter.Interpret(code, Grammars.Sender, text);
            Assert.True(Sound(result));
            Assert.False(result.Ok);
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("\u0000")]
    [InlineData("5\u0007")]
    [InlineData("🙂 5")]
    [InlineData("049111222 🙂")]
    [InlineData("tv 🙂")]
    public void Interpret_OddText_GivesACode(string? text)
    {
        foreach (string code in ShortCodes)
        {
            Assert.True(Sound(Grammars.Interpreter.Interpret(code, Grammars.Sender, text)));
        }
    }
}
