/*
 *  A hand-written stand-in for a database utils file whose loader map uses import().
 */

import { cloneDeep } from 'lodash';
import { DatabaseServiceType } from '../generated/entity/services/databaseService';

const databaseSchemaLoaders: Partial<
  Record<DatabaseServiceType, () => Promise<unknown>>
> = {
  [DatabaseServiceType.Alpha]: () =>
    import(
      '../jsons/connectionSchemas/connections/database/alphaConnection.json'
    ),
  [DatabaseServiceType.Beta]: () =>
    import(
      '../jsons/connectionSchemas/connections/database/betaConnection.json'
    ),
};

export const Label = () => <span>{databaseSchemaLoaders ? 'x' : 'y'}</span>;

export const getDatabaseConfig = async (type: DatabaseServiceType) =>
  cloneDeep({ schema: await databaseSchemaLoaders[type]?.() });
