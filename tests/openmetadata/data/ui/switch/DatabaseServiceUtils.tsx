/*
 *  A hand-written stand-in for an older OpenMetadata database utils file (TSX).
 */

import { cloneDeep } from 'lodash';
import { ManageButtonItemLabel } from '../components/common/ManageButtonItemLabel';
import { DatabaseServiceType } from '../generated/entity/services/databaseService';
import alphaConnection from '../jsons/connectionSchemas/connections/database/alphaConnection.json';
import betaConnection from '../jsons/connectionSchemas/connections/database/betaConnection.json';
import { t } from './i18next/LocalUtil';

export const getDatabaseConfig = (type: DatabaseServiceType) => {
  let schema = {};
  switch (type as unknown as DatabaseServiceType) {
    case DatabaseServiceType.Alpha: {
      schema = alphaConnection;

      break;
    }
    case DatabaseServiceType.Beta: {
      schema = betaConnection;

      break;
    }
    default: {
      schema = {};

      break;
    }
  }

  return cloneDeep({ schema });
};

export const ExtraOptions = (name: string) => [
  {
    label: <ManageButtonItemLabel id="import-button" name={t('label.import')} />,
    key: name,
  },
];
