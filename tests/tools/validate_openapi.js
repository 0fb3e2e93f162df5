// Validates an OpenAPI document (a file) with swagger-parser: exit 0 and a line when valid.
const SwaggerParser = require('@apidevtools/swagger-parser');
SwaggerParser.validate(process.argv[2]).then(api => {
  console.log(`valid OpenAPI ${api.openapi}: ${Object.keys(api.paths).length} paths`);
}).catch(err => { console.error(`invalid: ${err.message}`); process.exit(1); });
