// The API page (/api-docs): Swagger UI over /openapi.json. The description needs a credential,
// like every route of the API: a signed-in browser's session cookie goes with the request.
(async function () {
  const status = document.getElementById("api-status");
  let answer;
  try {
    answer = await fetch("/openapi.json", { credentials: "same-origin" });
  } catch (error) {
    status.textContent = "The server does not answer; reload the page to try again.";
    return;
  }
  if (answer.status === 401 || answer.status === 403) {
    status.innerHTML = "";
    const link = document.createElement("a");
    link.href = "/";
    link.textContent = "Sign in to Fleetline";
    status.append(link, " first, then come back to this page: the API's description is for its users.");
    return;
  }
  if (!answer.ok) {
    status.textContent = `The API's description could not be loaded (HTTP ${answer.status}); reload the page to try again.`;
    return;
  }
  const description = await answer.json();
  status.textContent = "";
  status.hidden = true;
  SwaggerUIBundle({
    spec: description,
    domNode: document.getElementById("api"),
    deepLinking: true,
    // Requests tried from the page go to this server, with the browser's session.
    withCredentials: true,
  });
})();
