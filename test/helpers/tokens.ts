// The suites' token helpers are the public test kit's (nestjs-resource-server/testing).
export {
  signJwt,
  mintAccessToken,
  unsignedToken,
  hmacTokenWithPublicKey,
  tamperPayload,
  decodeJwt,
  b64url,
  nowSeconds,
} from 'nestjs-resource-server/testing';
