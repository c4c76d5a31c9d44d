using Mbushja.Domain;
using Mbushja.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Mbushja.Server.Api;

/// <summary>A request body's required <c>msisdn</c>: 400 <c>MISSING_FIELD</c> when absent, 422 with the numbering plan's code when it is no number of the operator's.</summary>
internal static class MsisdnField
{
    public static (Msisdn Value, ProblemHttpResult? Problem) Parse(NumberingPlan numbering, string? value)
    {
        if (value is null)
        {
            return (default, Problems.Missing("msisdn"));
        }

        ParseResult<Msisdn> msisdn = numbering.ParseMsisdn(value);
        return msisdn.Success ? (msisdn.Value, null) : (default, Problems.Unprocessable(msisdn.Error.Code, msisdn.Error.Message, "msisdn"));
    }
}
