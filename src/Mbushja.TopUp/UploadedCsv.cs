using CsvHelper;

namespace Mbushja.TopUp;

/// <summary>
/// How an uploaded CSV is read (a bank's statement, a SIM-change report): a header named in any case, a line number for
/// every error, a malformed line an error, a short line read with empty fields for the checks to name.
/// </summary>
internal static class UploadedCsv
{
    public static CsvReaderOptions Options() => new()
    {
        HasHeader = true,
        TrimWhitespace = true,
        NormalizeHeaderName = name => name.Trim().ToLowerInvariant(),
        SkipEmptyLines = true,
        TrackLineNumbers = true,
        MalformedData = CsvMalformedDataHandling.Throw,
        FieldCountMismatch = CsvFieldCountHandling.Allow,
        MissingField = CsvMissingFieldHandling.ReturnEmpty,
    };
}
