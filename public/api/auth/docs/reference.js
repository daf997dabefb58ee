// Starts Swagger UI on the document the page names; no validator badge (it would call swagger.io).
(() => {
  const target = document.getElementById('reference');
  window.ui = SwaggerUIBundle({
    url: target.dataset.document,
    domNode: target,
    deepLinking: true,
    validatorUrl: null,
    displayOperationId: true,
    defaultModelsExpandDepth: 0,
    presets: [SwaggerUIBundle.presets.apis],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: 'BaseLayout',
  });
})();
