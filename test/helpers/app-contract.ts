import { createApp } from '../../src/app';
import { openApiDocument } from '../../src/openapi/document';
import { Contract, type Exchange } from './contract';

let shared: Contract | undefined;

/** The document of the app as the code declares it, generated once per test file. */
export function contract(): Contract {
  shared ??= new Contract(openApiDocument(createApp(), 'https://auth.test', 'test'));
  return shared;
}

/** Throws when the answer breaks the contract, naming every way it does. */
export async function assertKeepsContract(exchange: Exchange, response: Response): Promise<void> {
  const found = await contract().violations(exchange, response);
  if (found.length > 0) throw new Error(`contract violation:\n${found.join('\n')}`);
}
