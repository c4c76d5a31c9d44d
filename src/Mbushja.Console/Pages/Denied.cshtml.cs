namespace Mbushja.WebConsole.Pages;

/// <summary>Where a signed-in user lands when a page is not for their role (403).</summary>
public sealed class DeniedModel : ConsolePage
{
    public void OnGet() => Response.StatusCode = Microsoft.AspNetCore.Http.StatusCodes.Status403Forbidden;
}
