from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.security import OAuth2PasswordRequestForm

from app.api.deps import CurrentUser, DbSession
from app.core.security import create_access_token, verify_password
from app.db.models import User

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/token")
def login(db: DbSession, form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> dict[str, str]:
    user = db.query(User).filter(User.email == form.username).one_or_none()
    if user is None or not verify_password(form.password, user.password_hash):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid credentials")
    return {"access_token": create_access_token(user.email, user.role), "token_type": "bearer"}


@router.get("/me")
def me(user: CurrentUser) -> dict[str, str]:
    return {"email": user.email, "role": user.role}
