#  Copyright 2026 connkit test fixture
#  Licensed under the Apache License, Version 2.0 (the "License");
